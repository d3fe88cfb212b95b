from _helpers import student


def run(inputs):
    return {"out": student().softmax(inputs["x"])}
