from _helpers import params, set_params, student


def run(inputs):
    nb = student()
    set_params(nb, inputs)
    args = [inputs["x"], int(inputs["y"])]
    if int(inputs["pass_lr"]):
        args.append(float(inputs["lr"]))  # positionally: students name it differently
    nb.train_one_sample(*args)
    return params(nb, inputs)
