"""Workers: QObjects that run off the GUI thread and talk to it only through signals."""
