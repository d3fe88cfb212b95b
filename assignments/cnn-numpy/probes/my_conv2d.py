from conv2d import my_conv2d


def run(inputs):
    images, kernel = inputs["images"], inputs["kernel"]
    given = kernel.copy()
    # Positional: courses name the first parameter input, x, img or image.
    out = my_conv2d(images, given)
    return {"out": out, "kernel_after": given}
