"""The window's menus and tool-bar actions, one module per menu (plain objects with declared dependencies)."""
