"""`python -m recorder_app`: the same as the `recorder-app` command."""

from recorder_app.app import main

raise SystemExit(main())
