"""The window's dialogs and questions."""
