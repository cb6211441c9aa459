"""rbm-gui: train a Restricted Boltzmann Machine on handwritten digits and watch it learn."""

__version__ = "0.1.0"
