"""Make submissions from the release and source notebooks: perfect, untouched, other style, or with planted mistakes.

A perfect submission is the release notebook with every solution cell filled in
from the source (the solution delimiters removed); an other-style one has every graded
solution cell correct but written differently (`OTHER_STYLE`). Hidden tests are not copied:
nbgrader puts them back from the gradebook when it autogrades.
"""

from __future__ import annotations

import copy
import random
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import SOLUTION, nbgrader_meta


@dataclass(frozen=True)
class PlantedMistake:
    """A wrong version of one graded function: its solution cell's grade id and the cell's new source."""

    cell: str
    source: str
    description: str
    points_lost: float | None = None  # None: all the points of test_<cell>; a number for partial credit


# One typical student mistake per assignment, for the demo's "one wrong function" student.
# Its test cell (named test_<cell>) must fail and every other cell must still pass.
PLANTED_MISTAKES = {
    "05_mnist": PlantedMistake(
        cell="confusion_matrix",
        source=(
            "def confusion_matrix(t, y, num_classes=10):\n"
            '    """Confusion matrix with rows and columns swapped by mistake: rows are the predictions."""\n'
            "    C = np.zeros((num_classes, num_classes), dtype=np.int64)\n"
            "    np.add.at(C, (y, t), 1)\n"
            "    return C\n"
        ),
        description="confusion_matrix puts predictions in rows and true labels in columns (swapped)",
    ),
    "01_activations": PlantedMistake(
        cell="relu",
        source=(
            "def relu(z):\n"
            '    """ReLU, written with abs by mistake: negative inputs come out positive."""\n'
            "    return np.abs(z)\n"
        ),
        description="relu returns |z| instead of max(0, z)",
    ),
    "02_initialization": PlantedMistake(
        cell="initialize_parameters_he",
        source=(
            "def initialize_parameters_he(layer_dims, seed=None):\n"
            '    """He initialisation written with sqrt(1 / n[l-1]) by mistake: that is Xavier\'s scale."""\n'
            "    rng = np.random.default_rng(seed)\n"
            "    parameters = {}\n"
            "    for layer in range(1, len(layer_dims)):\n"
            "        n_prev, n = layer_dims[layer - 1], layer_dims[layer]\n"
            "        parameters[f'W{layer}'] = rng.standard_normal((n, n_prev)) * np.sqrt(1.0 / n_prev)\n"
            "        parameters[f'b{layer}'] = np.zeros((n, 1))\n"
            "    return parameters\n"
        ),
        description="initialize_parameters_he uses sqrt(1 / n[l-1]) (Xavier) instead of sqrt(2 / n[l-1])",
    ),
    "03_dimensions": PlantedMistake(
        cell="parameter_shapes",
        source=(
            "def parameter_shapes(layer_dims):\n"
            '    """Parameter shapes, with W transposed by mistake: (n[l-1], n[l]), the book\'s row convention."""\n'
            "    shapes = {}\n"
            "    for layer in range(1, len(layer_dims)):\n"
            '        shapes[f"W{layer}"] = (layer_dims[layer - 1], layer_dims[layer])\n'
            '        shapes[f"b{layer}"] = (layer_dims[layer], 1)\n'
            "    return shapes\n"
        ),
        description="parameter_shapes gives W[l] the transposed shape (n[l-1], n[l])",
    ),
    "04_deep_network": PlantedMistake(
        cell="linear_backward",
        source=(
            "def linear_backward(dZ, cache):\n"
            '    """Linear backward step without the 1/m by mistake: dW and db are m times too large."""\n'
            "    A_prev, W, b = cache\n"
            "    dW = dZ @ A_prev.T\n"
            "    db = np.sum(dZ, axis=1, keepdims=True)\n"
            "    dA_prev = W.T @ dZ\n"
            "    return dA_prev, dW, db\n"
        ),
        description="linear_backward forgets the 1/m in dW and db",
    ),
    "06_quizzes": PlantedMistake(
        cell="quiz1_answers",
        source="quiz1_answers = {1, 2, 3, 4, 6}  # also chose option 3, the activation values a[l]\n",
        description="Quiz 1 also chooses option 3 (a[l], computed, not chosen): 1 of 7 options wrong",
        points_lost=1.0,  # right minus wrong: 6 right, 1 wrong earns 3.5 x (6 - 1) / 7 = 2.5 of 3.5 points
    ),
}


def _cell(text: str) -> str:
    """A cell's source from an indented triple-quoted block: common indentation and the first newline removed."""
    return textwrap.dedent(text).lstrip("\n")


# For the demo's "other style" student: every graded solution cell of every assignment rewritten CORRECTLY (by the
# cell's statement and docstring) but in another style than the reference solution: keyword arguments in calls to
# other course functions, np.dot instead of @, explicit loops, in-place updates on copies, "W" + str(l) keys,
# np.squeeze'd 0-d costs (the Deep Learning Specialization's pattern), rng.normal, other constructions of the quiz
# sets. Correct code in an unusual style must earn every point; written answers (manually graded) are left as the
# source has them.
OTHER_STYLE: dict[str, dict[str, str]] = {
    "01_activations": {
        "step_function": _cell('''
            def step_function(z):
                """Step function: 1.0 where z > 0, 0.0 elsewhere, picked with np.where."""
                return np.where(z > 0, 1.0, 0.0)
            '''),
        "sigmoid": _cell('''
            def sigmoid(z):
                """Sigmoid with numpy's named operations."""
                return np.divide(1.0, np.add(1.0, np.exp(np.negative(z))))
            '''),
        "tanh": _cell('''
            def tanh(z):
                """tanh from np.exp: the formula multiplied above and below by e^z, (e^2z - 1) / (e^2z + 1)."""
                e_2z = np.exp(2.0 * z)
                return (e_2z - 1.0) / (e_2z + 1.0)
            '''),
        "relu": _cell('''
            def relu(z):
                """ReLU as a clip from below at 0 (a new array)."""
                return np.clip(z, a_min=0.0, a_max=None)
            '''),
        "leaky_relu": _cell('''
            def leaky_relu(z, alpha=0.01):
                """Leaky ReLU: a float copy of z whose non-positive entries are scaled in place."""
                out = np.array(z, dtype=float, copy=True)
                out[out <= 0] *= alpha
                return out
            '''),
        "identity": _cell('''
            def identity(z):
                """Identity: a copy of z."""
                return np.copy(z)
            '''),
        "softmax": _cell('''
            def softmax(z):
                """Stable softmax, one column at a time for a 2-D input."""
                z = np.asarray(z, dtype=float)
                if z.ndim == 1:
                    exps = np.exp(z - np.max(z))
                    return exps / np.sum(exps)
                y = np.empty_like(z)
                for j in range(z.shape[1]):
                    exps = np.exp(z[:, j] - np.max(z[:, j]))
                    y[:, j] = exps / np.sum(exps)
                return y
            '''),
        "sigmoid_derivative": _cell('''
            def sigmoid_derivative(z):
                """sigma'(z) = s - s^2, with s from sigmoid called by keyword."""
                s = sigmoid(z=z)
                return s - s**2
            '''),
        "tanh_derivative": _cell('''
            def tanh_derivative(z):
                """1 - tanh^2 written as (1 - t)(1 + t), with t from tanh called by keyword."""
                t = tanh(z=z)
                return (1.0 - t) * (1.0 + t)
            '''),
        "relu_derivative": _cell('''
            def relu_derivative(z):
                """Heaviside step, with the value 0.0 at z == 0."""
                return np.heaviside(z, 0.0)
            '''),
        "leaky_relu_derivative": _cell('''
            def leaky_relu_derivative(z, alpha=0.01):
                """Ones, with alpha written in place wherever z <= 0."""
                slopes = np.ones(np.shape(z), dtype=float)
                slopes[np.asarray(z) <= 0] = alpha
                return slopes
            '''),
        "numerical_derivative": _cell('''
            def numerical_derivative(f, z, eps=1e-5):
                """Centred difference with numpy's named operations."""
                forward_value = f(z + eps)
                backward_value = f(z - eps)
                return np.divide(np.subtract(forward_value, backward_value), eps + eps)
            '''),
        "collapse_linear_layers": _cell('''
            def collapse_linear_layers(W1, b1, W2, b2):
                """W = W2 W1 and b = W2 b1 + b2, with np.dot."""
                W = np.dot(W2, W1)
                b = np.dot(W2, b1) + b2
                return (W, b)
            '''),
        "predicted_xor_accuracies": _cell('''
            best_accuracy_identity_network = np.float64(3) / 4  # NumPy numbers, a fraction written out
            best_accuracy_relu_network = np.int64(1)
            '''),
    },
    "02_initialization": {
        "initialize_parameters_zeros": _cell('''
            def initialize_parameters_zeros(layer_dims):
                """Zeros everywhere, keys built as "W" + str(l)."""
                parameters = {}
                L = len(layer_dims) - 1
                for l in range(1, L + 1):
                    parameters["W" + str(l)] = np.zeros(shape=(layer_dims[l], layer_dims[l - 1]))
                    parameters["b" + str(l)] = np.zeros(shape=(layer_dims[l], 1))
                return parameters
            '''),
        "initialize_parameters_random": _cell('''
            def initialize_parameters_random(layer_dims, scale=0.01, seed=None):
                """N(0, scale^2) weights drawn with rng.normal from one generator; zero biases."""
                rng = np.random.default_rng(seed)
                parameters = {}
                for l in range(1, len(layer_dims)):
                    parameters["W" + str(l)] = rng.normal(loc=0.0, scale=scale, size=(layer_dims[l], layer_dims[l - 1]))
                    parameters["b" + str(l)] = np.zeros(shape=(layer_dims[l], 1))
                return parameters
            '''),
        "count_distinct_units": _cell('''
            def count_distinct_units(W, tol=1e-8):
                """Keep a stack of the distinct rows; compare each new row with all kept rows at once."""
                W = np.asarray(W, dtype=float)
                kept = W[:0]
                for row in W:
                    if kept.shape[0] == 0 or not np.any(np.all(np.abs(kept - row) <= tol, axis=1)):
                        kept = np.vstack([kept, row])
                return int(kept.shape[0])
            '''),
        "initialize_parameters_he": _cell('''
            def initialize_parameters_he(layer_dims, seed=None):
                """He: rng.normal with standard deviation sqrt(2 / n[l-1]); zero biases."""
                rng = np.random.default_rng(seed)
                parameters = {}
                for l in range(1, len(layer_dims)):
                    std = np.sqrt(2.0 / layer_dims[l - 1])
                    parameters["W" + str(l)] = rng.normal(loc=0.0, scale=std, size=(layer_dims[l], layer_dims[l - 1]))
                    parameters["b" + str(l)] = np.zeros(shape=(layer_dims[l], 1))
                return parameters
            '''),
        "predicted_distinct_units": _cell('''
            # NumPy integers and a dict built from two lists: the same answer.
            predicted_distinct_units = dict(zip(["zeros", "random, scale 0.01", "random, scale 30", "constant 0.5",
                                                 "W1 all 0.5, W2 random"], np.array([1, 8, 8, 1, 8])))
            '''),
    },
    "03_dimensions": {
        "matmul_shape": _cell('''
            def matmul_shape(shape_a, shape_b):
                """np.dot's shape rule, case by case on the number of dimensions."""
                a, b = tuple(shape_a), tuple(shape_b)
                k_a, k_b = a[len(a) - 1], b[0]
                if k_a != k_b:
                    raise ValueError("shapes " + str(a) + " and " + str(b) + " are not aligned: the first has "
                                     + str(k_a) + " columns, the second " + str(k_b) + " rows")
                if len(a) == 2 and len(b) == 2:
                    return (a[0], b[1])
                if len(a) == 2:
                    return (a[0],)
                if len(b) == 2:
                    return (b[1],)
                return ()
            '''),
        "parameter_shapes": _cell('''
            def parameter_shapes(layer_dims):
                """Shapes of W[l] and b[l], keys built as "W" + str(l)."""
                shapes = {}
                for l in range(1, len(layer_dims)):
                    shapes.update({"W" + str(l): (layer_dims[l], layer_dims[l - 1]), "b" + str(l): (layer_dims[l], 1)})
                return shapes
            '''),
        "cache_shapes": _cell('''
            def cache_shapes(layer_dims, m):
                """Every A, Z and their gradients, walking over the layers with enumerate."""
                shapes = {}
                for l, n in enumerate(layer_dims):
                    names = ["A", "dA"] if l == 0 else ["Z", "dZ", "A", "dA"]
                    for name in names:
                        shapes[name + str(l)] = (n, m)
                return shapes
            '''),
        "check_parameters": _cell('''
            def check_parameters(parameters, layer_dims):
                """The expected shapes first, as a list, then one pass over it."""
                expected = []
                for l in range(1, len(layer_dims)):
                    expected.append(("W" + str(l), "(n[%d], n[%d])" % (l, l - 1), (layer_dims[l], layer_dims[l - 1])))
                    expected.append(("b" + str(l), "(n[%d], 1)" % l, (layer_dims[l], 1)))
                for name, rule, required in expected:
                    if parameters.get(name) is None:
                        raise ValueError("%s is missing: it must be an array of shape %s = %s" % (name, rule, required))
                    actual = np.shape(parameters[name])
                    if tuple(actual) != tuple(required):
                        raise ValueError("%s has shape %s but must be %s = %s" % (name, actual, rule, required))
            '''),
        "book_forward": _cell('''
            def book_forward(network, x):
                """The book's row convention, as a loop over the three layers with np.matmul."""
                a = x
                for i in (1, 2, 3):
                    a = np.matmul(a, network["W" + str(i)]) + network["b" + str(i)]
                    a = sigmoid(z=a) if i < 3 else identity_function(z=a)
                return a
            '''),
        "to_column_convention": _cell('''
            def to_column_convention(network):
                """A dict comprehension: transposed copies of the W, column copies of the b."""
                return {
                    key: np.array(np.transpose(value)) if key.startswith("W") else np.array(value).reshape(-1, 1)
                    for key, value in network.items()
                }
            '''),
        "column_forward": _cell('''
            def column_forward(parameters, X):
                """The column convention with @, over lists of the weights and biases."""
                L = len(parameters) // 2
                weights = [parameters["W" + str(l)] for l in range(1, L + 1)]
                biases = [parameters["b" + str(l)] for l in range(1, L + 1)]
                A = X
                for index, (W, b) in enumerate(zip(weights, biases), start=1):
                    Z = W @ A + b
                    A = Z if index == L else sigmoid(z=Z)
                return A
            '''),
        "fixed_forward": _cell('''
            def fixed_forward(parameters, X):
                """tanh hidden layers and a softmax output, written with np.matmul and a while loop."""
                L = len(parameters) // 2
                A = X
                l = 1
                while l < L:
                    A = np.tanh(np.matmul(parameters["W" + str(l)], A) + parameters["b" + str(l)])
                    l += 1
                ZL = np.matmul(parameters["W" + str(L)], A) + parameters["b" + str(L)]
                exps = np.exp(ZL - np.max(ZL, axis=0))
                return exps / np.sum(exps, axis=0)
            '''),
    },
    "04_deep_network": {
        "initialize_parameters_deep": _cell('''
            def initialize_parameters_deep(layer_dims, seed=None):
                """randn(n[l], n[l-1]) times sqrt(1 / n[l-1]); keys built as "W" + str(l)."""
                rng = np.random.default_rng(seed)
                parameters = {}
                L = len(layer_dims)
                for l in range(1, L):
                    parameters["W" + str(l)] = (rng.standard_normal(size=(layer_dims[l], layer_dims[l - 1]))
                                                * np.sqrt(1.0 / layer_dims[l - 1]))
                    parameters["b" + str(l)] = np.zeros(shape=(layer_dims[l], 1))
                return parameters
            '''),
        "linear_forward": _cell('''
            def linear_forward(A_prev, W, b):
                """Z = np.dot(W, A_prev) + b."""
                Z = np.dot(W, A_prev) + b
                cache = (A_prev, W, b)
                return Z, cache
            '''),
        "linear_activation_forward": _cell('''
            def linear_activation_forward(A_prev, W, b, activation):
                """LINEAR then ACTIVATION, the activation picked from a dict; course functions called by keyword."""
                activations = {"relu": relu, "sigmoid": sigmoid}
                if activation not in activations:
                    raise ValueError("unknown activation " + repr(activation) + ": use 'relu' or 'sigmoid'")
                Z, linear_cache = linear_forward(A_prev=A_prev, W=W, b=b)
                A = activations[activation](Z)
                cache = (linear_cache, Z)
                return A, cache
            '''),
        "L_model_forward": _cell('''
            def L_model_forward(X, parameters):
                """The Deep Learning Specialization's loop, with keyword arguments."""
                caches = []
                A = X
                L = len(parameters) // 2
                for l in range(1, L):
                    A_prev = A
                    A, cache = linear_activation_forward(A_prev=A_prev, W=parameters["W" + str(l)],
                                                         b=parameters["b" + str(l)], activation="relu")
                    caches.append(cache)
                AL, cache = linear_activation_forward(A_prev=A, W=parameters["W" + str(L)],
                                                      b=parameters["b" + str(L)], activation="sigmoid")
                caches.append(cache)
                return AL, caches
            '''),
        "compute_cost": _cell('''
            def compute_cost(AL, Y):
                """Cross-entropy with np.dot, squeezed as in the Deep Learning Specialization (a 0-d array)."""
                m = Y.shape[1]
                cost = (-1.0 / m) * (np.dot(Y, np.log(AL).T) + np.dot(1 - Y, np.log(1 - AL).T))
                cost = np.squeeze(cost)
                return cost
            '''),
        "linear_backward": _cell('''
            def linear_backward(dZ, cache):
                """dW, db and dA_prev with np.dot and an explicit 1 / m factor."""
                A_prev, W, b = cache
                m = A_prev.shape[1]
                dW = (1.0 / m) * np.dot(dZ, A_prev.T)
                db = (1.0 / m) * np.sum(dZ, axis=1, keepdims=True)
                dA_prev = np.dot(W.T, dZ)
                return dA_prev, dW, db
            '''),
        "linear_activation_backward": _cell('''
            def linear_activation_backward(dA, cache, activation):
                """ACTIVATION backward then LINEAR backward, course functions called by keyword."""
                linear_cache, activation_cache = cache
                if activation == "relu":
                    dZ = relu_backward(dA=dA, Z=activation_cache)
                elif activation == "sigmoid":
                    dZ = sigmoid_backward(dA=dA, Z=activation_cache)
                else:
                    raise ValueError("unknown activation " + repr(activation))
                dA_prev, dW, db = linear_backward(dZ=dZ, cache=linear_cache)
                return dA_prev, dW, db
            '''),
        "L_model_backward": _cell('''
            def L_model_backward(AL, Y, caches):
                """The Deep Learning Specialization's backward loop, with keyword arguments and "dW" + str(l) keys."""
                grads = {}
                L = len(caches)
                Y = Y.reshape(AL.shape)
                dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
                current_cache = caches[L - 1]
                dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dA=dAL, cache=current_cache,
                                                                            activation="sigmoid")
                grads["dA" + str(L - 1)] = dA_prev_temp
                grads["dW" + str(L)] = dW_temp
                grads["db" + str(L)] = db_temp
                for l in reversed(range(L - 1)):
                    current_cache = caches[l]
                    dA_prev_temp, dW_temp, db_temp = linear_activation_backward(dA=grads["dA" + str(l + 1)],
                                                                                cache=current_cache, activation="relu")
                    grads["dA" + str(l)] = dA_prev_temp
                    grads["dW" + str(l + 1)] = dW_temp
                    grads["db" + str(l + 1)] = db_temp
                return grads
            '''),
        "softplus_backward": _cell('''
            def softplus_backward(dA, Z):
                """softplus'(z) = e^z / (1 + e^z) = 1 / (1 + e^-z), written with tanh as (1 + tanh(z / 2)) / 2."""
                return np.multiply(dA, 0.5 * (1.0 + np.tanh(Z / 2.0)))
            '''),
        "update_parameters": _cell('''
            def update_parameters(parameters, grads, learning_rate):
                """Gradient descent in place, on a copy of every array."""
                params = {key: value.copy() for key, value in parameters.items()}
                L = len(params) // 2
                for l in range(L):
                    params["W" + str(l + 1)] -= learning_rate * grads["dW" + str(l + 1)]
                    params["b" + str(l + 1)] -= learning_rate * grads["db" + str(l + 1)]
                return params
            '''),
        "L_layer_model": _cell('''
            def L_layer_model(X, Y, layer_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False, seed=None):
                """Gradient descent; every course function called by keyword, the recorded costs as Python floats."""
                costs = []
                parameters = initialize_parameters_deep(layer_dims=layer_dims, seed=seed)
                for i in range(0, num_iterations):
                    AL, caches = L_model_forward(X=X, parameters=parameters)
                    cost = compute_cost(AL=AL, Y=Y)
                    grads = L_model_backward(AL=AL, Y=Y, caches=caches)
                    parameters = update_parameters(parameters=parameters, grads=grads, learning_rate=learning_rate)
                    if i % 100 == 0 or i == num_iterations - 1:
                        costs.append(float(cost))
                        if print_cost:
                            print("Cost after iteration %i: %f" % (i, cost))
                return parameters, costs
            '''),
        "gradient_check": _cell('''
            def gradient_check(parameters, X, Y, epsilon=1e-7):
                """Nudge fresh copies of the parameters (never the originals); course functions called by keyword."""
                AL, caches = L_model_forward(X=X, parameters=parameters)
                grads = L_model_backward(AL=AL, Y=Y, caches=caches)
                grad, gradapprox = [], []
                for key in parameters:
                    for index in np.ndindex(parameters[key].shape):
                        theta_plus = {k: v.copy() for k, v in parameters.items()}
                        theta_minus = {k: v.copy() for k, v in parameters.items()}
                        theta_plus[key][index] += epsilon
                        theta_minus[key][index] -= epsilon
                        J_plus = compute_cost(AL=L_model_forward(X=X, parameters=theta_plus)[0], Y=Y)
                        J_minus = compute_cost(AL=L_model_forward(X=X, parameters=theta_minus)[0], Y=Y)
                        gradapprox.append((J_plus - J_minus) / (2 * epsilon))
                        grad.append(grads["d" + key][index])
                grad, gradapprox = np.array(grad, dtype=float), np.array(gradapprox, dtype=float)
                numerator = np.linalg.norm(grad - gradapprox)
                denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
                return float(numerator / denominator)
            '''),
        "predicted_gradient_shapes": _cell('''
            # lists instead of tuples, numpy integers in one of them
            predicted_gradient_shapes = dict(dW2=list(np.array([4, 7])), db2=[4, 1], dA1=[7, 32], dA0=[12, 32])
            '''),
        "split_train_validation": _cell('''
            def split_train_validation(X, Y, validation_size, seed=None):
                """rng.shuffle on the column numbers, the LAST validation_size of them for validation, np.take."""
                m = np.shape(X)[1]
                if not (0 < validation_size < m):
                    raise ValueError("validation_size must leave both parts non-empty, got " + str(validation_size))
                columns = np.arange(m)
                np.random.default_rng(seed=seed).shuffle(columns)
                cut = m - validation_size
                return (np.take(X, columns[:cut], axis=1), np.take(Y, columns[:cut], axis=1),
                        np.take(X, columns[cut:], axis=1), np.take(Y, columns[cut:], axis=1))
            '''),
        "search_hyperparameters": _cell('''
            def search_hyperparameters(X_train, Y_train, X_val, Y_val, learning_rates, hidden_sizes, num_iterations=200,
                                       seed=1):
                """Hidden sizes outside, keyword calls, accuracy by counting, the best found by a loop."""
                results = {}
                for n1 in hidden_sizes:
                    for alpha in learning_rates:
                        parameters, _ = L_layer_model(X=X_train, Y=Y_train, layer_dims=[len(X_train), n1, 1],
                                                      learning_rate=alpha, num_iterations=num_iterations, seed=seed)
                        AL, _ = L_model_forward(X=X_val, parameters=parameters)
                        correct = np.count_nonzero((AL > 0.5).astype(int) == Y_val.astype(int))
                        results[(alpha, n1)] = correct / Y_val.shape[1]
                best = None
                for key, accuracy in results.items():
                    if best is None or accuracy > results[best]:
                        best = key
                return best, results
            '''),
    },
    "05_mnist": {
        "predict": _cell('''
            def predict(network, X):
                """Sigmoid, sigmoid, softmax as a loop over the layers, with np.dot and keyword calls."""
                A = X
                for l in (1, 2, 3):
                    Z = np.dot(network["W" + str(l)], A) + network["b" + str(l)]
                    A = sigmoid(z=Z) if l < 3 else Z
                exps = np.exp(A - A.max(axis=0))
                return exps / exps.sum(axis=0)
            '''),
        "accuracy": _cell('''
            def accuracy(network, X, t, batch_size=None):
                """Collect the predicted labels (one column or one batch per call), then compare them all at once."""
                m = X.shape[1]
                if batch_size is None:
                    labels = [int(np.argmax(predict(network=network, X=X[:, [j]]))) for j in range(m)]
                else:
                    labels = []
                    for start in range(0, m, batch_size):
                        labels.extend(np.argmax(predict(network=network, X=X[:, start:start + batch_size]), axis=0))
                return float(np.mean(np.array(labels) == np.asarray(t)))
            '''),
        "confusion_matrix": _cell('''
            def confusion_matrix(t, y, num_classes=10):
                """Count the pairs one by one."""
                C = np.zeros(shape=(num_classes, num_classes), dtype=int)
                for true_class, predicted_class in zip(t, y):
                    C[true_class, predicted_class] += 1
                return C
            '''),
        "predicted_multiplications": _cell('''
            # Counted from the weights' sizes (one multiplication per weight and image): a float, then a NumPy int.
            multiplications_one_image = float(sum(network[key].size for key in ("W1", "W2", "W3")))
            multiplications_per_image_batch_100 = np.int64(784 * 50 + 50 * 100 + 100 * 10) * 100 // 100
            '''),
    },
    "06_quizzes": {
        "quiz1_answers": "quiz1_answers = set([1, 2, 4, 6])\n",
        "quiz2_answers": "quiz2_answers = {option for option in (1, 3, 6, 7, 10, 11)}\n",
    },
}


def strip_solution_markers(source: str) -> str:
    """The instructor's solution with its delimiter lines removed, as a student would have typed it."""
    kept = [line for line in source.splitlines() if line.strip() not in SOLUTION]
    return "\n".join(kept)


def solution_sources(source_notebook: Path) -> dict[str, str]:
    """Map each solution cell's grade id to its filled-in source."""
    nb = nbformat.read(source_notebook, as_version=4)
    return {
        nbgrader_meta(cell)["grade_id"]: strip_solution_markers(cell.source)
        for cell in nb.cells
        if nbgrader_meta(cell).get("solution")
    }


def fill_solutions(release_nb, solutions: dict[str, str], overrides: dict[str, str] | None = None):
    """A copy of ``release_nb`` whose solution cells hold ``solutions`` (``overrides`` win)."""
    nb = copy.deepcopy(release_nb)
    answers = {**solutions, **(overrides or {})}
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


SUBMISSION_KINDS = ("perfect", "untouched", "one_wrong", "other_style", "partial", "broken")
# Made-up students whose folders the tools may replace; any other name is a real student's and is never touched.
MADE_UP_PREFIXES = ("demo-", "sim-", "adv-")


class RealStudentFolder(RuntimeError):
    """A tool was asked to replace the folder of a student it did not make up."""


def fill_notebooks(course_dir: Path, assignment: str, kind: str, folder: Path, student: str = "", seed: int = 0):
    """Fill the release notebooks found in ``folder`` as a simulated student of ``kind`` would (in place).

    ``kind`` is ``perfect``, ``untouched``, ``one_wrong`` (the assignment's planted mistake),
    ``other_style`` (every solution from the source, then the graded ones replaced by the assignment's
    `OTHER_STYLE` cells: correct, written differently), ``partial`` (about half the solutions left as
    released, chosen from ``seed``) or
    ``broken`` (a notebook that is not valid JSON, as a crashed upload leaves it).
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(f"unknown submission kind {kind!r}; use one of {', '.join(SUBMISSION_KINDS)}")
    course_dir = Path(course_dir)
    for path in sorted(Path(folder).glob("*.ipynb")):
        if kind == "broken":
            text = path.read_text()
            path.write_text(text[: len(text) // 2])
            continue
        if kind == "untouched":
            continue
        release_nb = nbformat.read(path, as_version=4)
        solutions = solution_sources(course_dir / "source" / assignment / path.name)
        overrides = {}
        mistake = PLANTED_MISTAKES.get(assignment)
        if kind == "one_wrong" and mistake and mistake.cell in solutions:
            overrides[mistake.cell] = mistake.source
        if kind == "other_style":
            overrides.update({gid: text for gid, text in OTHER_STYLE.get(assignment, {}).items() if gid in solutions})
        if kind == "partial":
            rng = random.Random(f"{seed}-{student}-{path.name}")
            left_alone = rng.sample(sorted(solutions), k=len(solutions) // 2)
            solutions = {gid: text for gid, text in solutions.items() if gid not in left_alone}
        nbformat.write(fill_solutions(release_nb, solutions, overrides), path)


def make_submission(course_dir: Path, assignment: str, student: str, kind: str, seed: int = 0) -> Path:
    """Write ``submitted/<student>/<assignment>/`` for one made-up student and return the folder.

    The kinds are those of `fill_notebooks`. A student whose name has none of ``MADE_UP_PREFIXES``
    is a real one: their existing folder is never replaced (`RealStudentFolder`).
    """
    if kind not in SUBMISSION_KINDS:
        raise ValueError(f"unknown submission kind {kind!r}; use one of {', '.join(SUBMISSION_KINDS)}")
    course_dir = Path(course_dir)
    target = course_dir / "submitted" / student / assignment
    if target.exists():
        if not student.startswith(MADE_UP_PREFIXES):
            raise RealStudentFolder(
                f"{target} belongs to a real student (made-up students are named {', '.join(MADE_UP_PREFIXES)}...):"
                " refusing to replace it. Pick another student name."
            )
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for release_path in sorted((course_dir / "release" / assignment).glob("*.ipynb")):
        shutil.copyfile(release_path, target / release_path.name)
    fill_notebooks(course_dir, assignment, kind, target, student, seed)
    (target / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC\n")
    return target
