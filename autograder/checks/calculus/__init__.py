"""Checks for stage 02 (calculus): from derivatives to training a neural network.

One module per notebook, so each notebook imports only its own checks:

    derivatives     01_derivatives: difference quotients, step size, common derivatives
    gradients       02_gradients: partial derivatives, gradients, directional derivatives
    chain_rule      03_chain_rule: the chain rule, Jacobians, vector-Jacobian products
    descent         04_gradient_descent: gradient descent, learning rates, momentum
    autograd        05_autograd: a scalar autograd engine (a Value class)
    layers          06_layers: forward and backward of vectorised layers
    mlp             07_training_an_mlp: an MLP trained from scratch on two spirals

Helpers: `shared` (checks that take several learner objects, case builders),
`data` (the two-spirals dataset), `figures` (drawing helpers for the notebooks).
Oracles are finite differences, slow loops or closed forms written differently
from the notebooks' solutions; gradients are compared with
:mod:`autograder.gradcheck`.
"""
