"""Outputs gathered step by step (imported by the driver, and by probes through dlgrade_probe)."""


class Outputs(dict):
    """A probe's outputs gathered step by step, so that one broken step fails only the checks
    that read its outputs: a correct forward still earns its points when the backward raises.

        out = Outputs()
        with out.step("forward"):
            out["out"] = layer.forward(x)
        with out.step("backward"):
            out["dx"] = layer.backward(dout)
        return out

    A step that raises is recorded (the driver reports it with the student's traceback) and the
    probe goes on; later steps that need what it did not produce raise in turn and are recorded
    too. SystemExit and KeyboardInterrupt are not caught: they end the request as before."""

    def __init__(self, *args, **kwargs):
        dict.__init__(self, *args, **kwargs)
        self.failed_steps = []

    def step(self, name):
        return _Step(self, name)


class _Step(object):
    def __init__(self, outputs, name):
        self.outputs, self.name = outputs, name

    def __enter__(self):
        return self.outputs

    def __exit__(self, kind, error, tb):
        if error is None or not isinstance(error, Exception):
            return False
        self.outputs.failed_steps.append((self.name, error))
        return True
