from kvs.cli import main

raise SystemExit(main())
