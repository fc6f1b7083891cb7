from commission_tracker.cli.main import main

raise SystemExit(main())
