from dlgrade_probe import notebook_values


def run(inputs):
    """Every array of 13 numbers the executed notebook left, with the cell after which it was
    seen: the grader evaluates the network on them itself."""
    got = notebook_values()
    return {"thetas": got["values"], "cells": got["cells"], "names": got["names"]}
