"""The window's tabs: thin Qt widgets that bind to the session and their view state (rbm_gui.app)."""
