"""The publishers otv ships: GitHub (and GitHub Enterprise), GitLab, Gitea/Forgejo."""
