"""The command line's commands, grouped by what they work on."""
