from __future__ import print_function

import numpy as np

from lib.mlp.layer_utils import *


""" Functions """
def compute_acc(model, data, labels, num_samples=None, batch_size=100):
    """
    Compute the accuracy of given data and labels

    Arguments:
    - data: Array of input data, of shape (batch_size, d_1, ..., d_k)
    - labels: Array of labels, of shape (batch_size,)
    - num_samples: If not None, subsample the data and only test the model
      on these sampled datapoints.
    - batch_size: Split data and labels into batches of this size to avoid using
      too much memory.

    Returns:
    - accuracy: Scalar indicating fraction of inputs that were correctly
      classified by the model.
    """
    N = data.shape[0]
    if num_samples is not None and N > num_samples:
        indices = np.random.choice(N, num_samples, replace=False)
        N = num_samples
        data = data[indices]
        labels = labels[indices]

    num_batches = N // batch_size
    if N % batch_size != 0:
        num_batches += 1
    preds = []
    for i in range(num_batches):
        start = i * batch_size
        end = (i + 1) * batch_size
        output = model.forward(data[start:end], False)
        # argmax of the scores is the argmax of their softmax
        preds.append(np.argmax(output, axis=1))
    preds = np.hstack(preds) if preds else np.zeros(0, dtype=np.int64)
    accuracy = np.mean(preds == labels)
    return accuracy


""" Training loop """
def train_net(data, model, loss_func, optimizer, batch_size, max_epochs,
              lr_decay=1.0, lr_decay_every=1000, show_every=10, verbose=False,
              regularization="none", reg_lambda=0.0):
    """
    Train a network with this function, parameters of the network are updated
    using stochastic gradient descent methods defined in optim.py.

    The parameters which achive the best performance after training for given epochs
    will be returned as a param dict. The training history and the validation history
    is returned for post analysis.

    Arguments:
    - data: Data instance should look like the followings:
    - data_dict = {
        "data_train": (# Training data,   # Training GT Labels),
        "data_val":   (# Validation data, # Validation GT Labels),
        "data_test":  (# Testing data,    # Testing GT Labels),
      }
    - model: An instance defined in the fully_conn.py, with a sequential object as attribute
    - loss_func: An instance defined in the layer_utils.py, we only introduce cross-entropy
      classification loss for this part of assignment
    - batch_size: Batch size of the input data
    - max_epochs: The total number of epochs to train the model
    - lr_decay: The amount to decay the learning rate
    - lr_decay_every: Decay the learning rate every given epochs
    - show_every: Show the training information every given iterations
    - verbose: To show the information or not
    - regularization: Which regularization method to use: "l1", "l2". Default: "none"
    - reg_lambda: paramter that controls the strength of regularization. Decault: 0.0

    Returns:
    - opt_params: optimal parameters
    - loss_hist: Loss recorded during training
    - train_acc_hist: Training accuracy recorded during training
    - val_acc_hist: Validation accuracy recorded during training
    """

    # Initialize the variables
    data_train, labels_train = data["data_train"]
    data_val, labels_val = data["data_val"]
    N = data_train.shape[0]
    # a data set smaller than one batch still gives one step per epoch
    iters_per_epoch = max(N // batch_size, 1)
    opt_val_acc = 0.0
    opt_params = None
    loss_hist = []
    train_acc_hist = []
    val_acc_hist = []
    global_iter = 0

    # Loop through all the epochs
    for epoch in range(max_epochs):
        # visit the training set in a fresh random order every epoch
        order = np.random.permutation(N)
        for it in range(iters_per_epoch):
            batch_idx = order[it * batch_size:(it + 1) * batch_size]
            data_batch = data_train[batch_idx]
            labels_batch = labels_train[batch_idx]

            # forward, loss, backward (with the regularization), one step
            logits = model.forward(data_batch, True)
            loss = loss_func.forward(logits, labels_batch)
            dlogits = loss_func.backward()
            model.backward(dlogits, regularization=regularization, reg_lambda=reg_lambda)
            optimizer.step()

            loss_hist.append(float(loss))
            global_iter += 1

            if global_iter % lr_decay_every == 0:
                optimizer.lr *= lr_decay

            # Show the training loss
            if verbose and global_iter % show_every == 0:
                print("(Iteration {} / {}) Average loss: {}".format(
                    global_iter, iters_per_epoch * max_epochs,
                    np.mean(loss_hist[-show_every:])))

        # End of epoch, compute the accuracies
        train_acc = compute_acc(model, data_train, labels_train, num_samples=1000)
        val_acc = compute_acc(model, data_val, labels_val)
        train_acc_hist.append(train_acc)
        val_acc_hist.append(val_acc)

        # Save the best params for the model; copies, since training goes on
        # changing the live ones
        if opt_params is None or val_acc > opt_val_acc:
            opt_val_acc = val_acc
            model.net.gather_params()
            opt_params = {k: np.array(v, copy=True) for k, v in model.net.params.items()}

        # Show the training accuracies
        if verbose:
            print("(Epoch {} / {}) Training Accuracy: {}, Validation Accuracy: {}".format(
                epoch + 1, max_epochs, train_acc, val_acc))

    return opt_params, loss_hist, train_acc_hist, val_acc_hist
