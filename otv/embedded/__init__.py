"""otv on one machine: a real nats-server as a child process and the services in-process."""

from otv.embedded.nats_server import NatsServer
from otv.embedded.stack import EmbeddedStack, persistent_store

__all__ = ["EmbeddedStack", "NatsServer", "persistent_store"]
