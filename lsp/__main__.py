"""`python -m biaslsp.lsp [--stdio | --tcp PORT]`: the language server without the rest of the CLI."""

from .cli import main

raise SystemExit(main())
