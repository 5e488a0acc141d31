"""newsdedup's job layer: job config, graph assembly, command line and run summary."""
