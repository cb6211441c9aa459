"""Data files shipped inside the wheel (installed as ``rbm_gui.resources``)."""
