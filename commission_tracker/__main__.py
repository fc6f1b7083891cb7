from commission_tracker.cli.main import console

raise SystemExit(console())
