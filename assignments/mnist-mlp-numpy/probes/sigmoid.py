from _helpers import student


def run(inputs):
    return {"out": student().sigmoid(inputs["x"])}
