"""The Qt-free application layer: session and view states with change notification.

Views in ``rbm_gui.ui`` bind to these objects and forward intent as calls on them; nothing here
imports Qt, so the whole behaviour of the window can be tested without a QApplication.
"""
