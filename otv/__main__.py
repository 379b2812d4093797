from otv.cli import main

raise SystemExit(main())
