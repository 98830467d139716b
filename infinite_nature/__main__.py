from infinite_nature.cli import main

raise SystemExit(main())
