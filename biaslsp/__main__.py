from biaslsp.cli import main

raise SystemExit(main())
