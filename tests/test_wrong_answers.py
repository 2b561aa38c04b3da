"""Validate and grading agree: typical wrong answers, correct answers in other styles, and whole submissions.

Each row of `ANSWERS` replaces one solution cell of an otherwise perfect submission. A wrong answer must lose
that cell's test points and no other (one bug is never punished twice), and Validate must report that cell and
no other, exactly when its visible tests can see the mistake (`visible`): a wrong earlier function never fails
Validate on the cells that build on it, since grading does not charge them either. A correct answer in another
style must earn full marks and pass Validate. The whole submissions of `tools.submissions` (perfect, untouched,
the planted mistake, every function in another style) are held to the same rule, cell by cell. Validate runs
nbgrader's `Validator`, the code behind the toolbar button; grading runs `tools.grade` (ordinary
`nbgrader autograde` processes) on all of them as one class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tools.adversarial import cell_scores
from tools.course import REPO_ROOT, assignments, nbgrader_meta
from tools.grade import grade_class
from tools.submissions import (
    PLANTED_MISTAKES,
    fill_solutions,
    make_submission,
    solution_sources,
    strip_solution_markers,
)

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Answer:
    assignment: str
    cell: str  # the solution cell's grade id; its test cell is test_<cell>
    source: str
    correct: bool  # True: another correct style, must earn everything
    visible: bool = True  # for a wrong answer: do the visible tests (Validate) see the mistake?
    why: str = ""


def fn(text: str) -> str:
    return text.strip("\n") + "\n"


def mutant(assignment: str, cell: str, *changes: tuple[str, str]) -> str:
    """The course's solution of ``cell`` with each (old, new) text replaced once: a wrong answer that differs from
    the right one exactly where the row says, read from the source rather than pasted."""
    path = next((REPO_ROOT / "source" / assignment).glob("*.ipynb"))
    source = strip_solution_markers(solution_sources(path)[cell])
    for old, new in changes:
        assert source.count(old) == 1, f"{cell}'s solution has {source.count(old)} copies of {old!r}"
        source = source.replace(old, new)
    return fn(source)


ANSWERS = [
    # 01_activations
    Answer("01_activations", "sigmoid", fn("def sigmoid(z):\n    return 1 / (1 + np.exp(z))"), False,
           why="mirrored: exp(z) for exp(-z)"),
    Answer("01_activations", "step_function", fn("def step_function(z):\n    return (z >= 0).astype(float)"), False,
           why="1 at z = 0"),
    Answer("01_activations", "softmax", fn("def softmax(z):\n    e = np.exp(z - np.max(z))\n"
                                          "    return e / np.sum(e, axis=0, keepdims=True)"), False,
           why="one maximum for the whole array: columns far apart underflow"),
    Answer("01_activations", "leaky_relu", fn("def leaky_relu(z, alpha=0.01):\n    return np.maximum(alpha, z)"),
           False, why="alpha instead of alpha * z"),
    Answer("01_activations", "numerical_derivative",
           fn("def numerical_derivative(f, z, eps=1e-5):\n    return (f(z + eps) - f(z)) / eps"), False,
           why="forward difference"),
    Answer("01_activations", "relu", fn("def relu(z):\n    return z * (z > 0)"), True),
    Answer("01_activations", "tanh", fn("def tanh(z):\n    return np.tanh(z)"), True),
    Answer("01_activations", "sigmoid", fn("def sigmoid(z):\n    return np.exp(-np.logaddexp(0.0, -z))"), True),
    Answer("01_activations", "predicted_xor_accuracies",
           "best_accuracy_identity_network = 1.0\nbest_accuracy_relu_network = 1.0\n", False, visible=False,
           why="depth taken to help a linear network (only the hidden key knows)"),
    Answer("01_activations", "predicted_xor_accuracies",
           "best_accuracy_identity_network = 0.5\nbest_accuracy_relu_network = 0.75\n", False, visible=False,
           why="both one quarter too low"),
    Answer("01_activations", "predicted_xor_accuracies",
           "best_accuracy_identity_network = 75\nbest_accuracy_relu_network = 100\n", False,
           why="percentages, not fractions"),
    Answer("01_activations", "predicted_xor_accuracies",
           "best_accuracy_identity_network = 3 / 4\nbest_accuracy_relu_network = 1\n", True),
    # 02_initialization
    Answer("02_initialization", "initialize_parameters_zeros", fn('''
def initialize_parameters_zeros(layer_dims):
    parameters = {}
    for layer in range(1, len(layer_dims)):
        parameters[f"W{layer}"] = np.zeros((layer_dims[layer], layer_dims[layer - 1]))
        parameters[f"b{layer}"] = np.ones((layer_dims[layer], 1))
    return parameters'''), False, why="biases of one"),
    Answer("02_initialization", "initialize_parameters_random", fn('''
def initialize_parameters_random(layer_dims, scale=0.01, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for layer in range(1, len(layer_dims)):
        parameters[f"W{layer}"] = rng.standard_normal((layer_dims[layer], layer_dims[layer - 1])) * 0.01
        parameters[f"b{layer}"] = np.zeros((layer_dims[layer], 1))
    return parameters'''), False, why="ignores scale"),
    Answer("02_initialization", "initialize_parameters_he", fn('''
def initialize_parameters_he(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for layer in range(1, len(layer_dims)):
        limit = np.sqrt(3.0) * np.sqrt(2.0 / layer_dims[layer - 1])  # uniform with He's standard deviation
        parameters[f"W{layer}"] = rng.uniform(-limit, limit, (layer_dims[layer], layer_dims[layer - 1]))
        parameters[f"b{layer}"] = np.zeros((layer_dims[layer], 1))
    return parameters'''), False, visible=False, why="uniform draws with the right spread (only hidden tests look)"),
    Answer("02_initialization", "count_distinct_units", fn('''
def count_distinct_units(W, tol=1e-8):
    return len(np.unique(W))'''), False, why="distinct values, not rows"),
    Answer("02_initialization", "count_distinct_units", fn('''
def count_distinct_units(W, tol=1e-8):
    return len(np.unique(np.round(W / tol), axis=0))'''), False, visible=False,
           why="rows rounded to a grid of step tol: close rows straddling a grid line count twice"),
    Answer("02_initialization", "count_distinct_units", fn('''
def count_distinct_units(W, tol=1e-8):
    far = np.max(np.abs(W[:, None, :] - W[None, :, :]), axis=2) > tol
    seen = 0
    for i in range(W.shape[0]):
        if np.all(far[i, :i]):
            seen += 1
    return seen'''), True),
    Answer("02_initialization", "initialize_parameters_he", fn('''
def initialize_parameters_he(layer_dims, seed=None):
    rng = np.random.default_rng(seed)
    parameters = {}
    for layer in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[layer - 1])
        parameters["W" + str(layer)] = rng.normal(0.0, 1.0, size=(layer_dims[layer], layer_dims[layer - 1])) * std
        parameters["b" + str(layer)] = np.zeros((layer_dims[layer], 1))
    return parameters'''), True),
    Answer("02_initialization", "predicted_distinct_units",
           'predicted_distinct_units = {"zeros": 1, "random, scale 0.01": 8, "random, scale 30": 1, '
           '"constant 0.5": 1, "W1 all 0.5, W2 random": 8}\n',
           False, visible=False, why="saturation taken for symmetry (only the hidden key knows)"),
    Answer("02_initialization", "predicted_distinct_units",
           'predicted_distinct_units = {"zeros": 1, "random, scale 0.01": 8, "random, scale 30": 8, '
           '"constant 0.5": 1, "W1 all 0.5, W2 random": 1}\n',
           False, visible=False, why="equal incoming weights taken to be enough for symmetry"),
    Answer("02_initialization", "predicted_distinct_units",
           'predicted_distinct_units = dict(zip(["zeros", "random, scale 0.01", "random, scale 30", "constant 0.5", '
           '"W1 all 0.5, W2 random"], np.ones(5, dtype=int)))\n',
           False, visible=False, why="NumPy integers, three of five wrong: the score must still be a plain number"),
    Answer("02_initialization", "predicted_distinct_units", "predicted_distinct_units = [1, 8, 8, 1, 8]\n", False,
           why="a list, not a dict with the starts as keys"),
    Answer("02_initialization", "predicted_distinct_units",
           'predicted_distinct_units = {"W1 all 0.5, W2 random": 8.0, "constant 0.5": 1.0, "random, scale 30": 8.0, '
           '"random, scale 0.01": 8.0, "zeros": 1.0}\n', True),
    # 03_dimensions
    Answer("03_dimensions", "matmul_shape", fn('''
def matmul_shape(shape_a, shape_b):
    return (shape_a[0], shape_b[0])'''), False, why="wrong dimensions kept, no mismatch check"),
    Answer("03_dimensions", "cache_shapes", fn('''
def cache_shapes(layer_dims, m):
    shapes = {"A0": (m, layer_dims[0]), "dA0": (m, layer_dims[0])}
    for layer in range(1, len(layer_dims)):
        for name in ("Z", "dZ", "A", "dA"):
            shapes[f"{name}{layer}"] = (m, layer_dims[layer])
    return shapes'''), False, why="rows are examples (the book's convention)"),
    Answer("03_dimensions", "check_parameters", fn('''
def check_parameters(parameters, layer_dims):
    for layer in range(1, len(layer_dims)):
        assert parameters[f"W{layer}"].shape == (layer_dims[layer], layer_dims[layer - 1]), f"W{layer} is wrong"
        assert parameters[f"b{layer}"].shape == (layer_dims[layer], 1), f"b{layer} is wrong"'''), False,
           why="assert instead of ValueError"),
    Answer("03_dimensions", "to_column_convention", fn('''
def to_column_convention(network):
    parameters = {}
    for layer in range(1, len(network) // 2 + 1):
        parameters[f"W{layer}"] = network[f"W{layer}"].T.copy()
        parameters[f"b{layer}"] = network[f"b{layer}"].copy()
    return parameters'''), False, why="b left as a row"),
    Answer("03_dimensions", "book_forward", fn('''
def book_forward(network, x):
    a1 = np.dot(network["W1"], x) + network["b1"]
    z1 = sigmoid(a1)
    a2 = np.dot(z1, network["W2"]) + network["b2"]
    z2 = sigmoid(a2)
    a3 = np.dot(z2, network["W3"]) + network["b3"]
    return identity_function(a3)'''), False, why="W first in the row convention"),
    Answer("03_dimensions", "parameter_shapes", fn('''
def parameter_shapes(layer_dims):
    return {name: shape for layer in range(1, len(layer_dims))
            for name, shape in ((f"W{layer}", (layer_dims[layer], layer_dims[layer - 1])),
                                (f"b{layer}", (layer_dims[layer], 1)))}'''), True),
    Answer("03_dimensions", "book_forward", fn('''
def book_forward(network, x):
    a = x
    for layer in (1, 2):
        a = sigmoid(a @ network[f"W{layer}"] + network[f"b{layer}"])
    return identity_function(a @ network["W3"] + network["b3"])'''), True),
    # 04_deep_network
    Answer("04_deep_network", "linear_activation_backward", fn('''
def linear_activation_backward(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA  # no copy: the next line zeroes entries of the caller's dA
        dZ[Z <= 0] = 0
    elif activation == "sigmoid":
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    else:
        raise ValueError(f"unknown activation {activation!r}")
    return linear_backward(dZ, linear_cache)'''), False, why="changes dA in place (the copy forgotten)"),
    Answer("04_deep_network", "L_model_forward", fn('''
def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for layer in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[f"W{layer}"], parameters[f"b{layer}"], "sigmoid")
        caches.append(cache)
    return A, caches'''), False, why="sigmoid in every layer"),
    Answer("04_deep_network", "L_model_backward", fn('''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)
    for layer in range(L, 0, -1):
        activation = "sigmoid" if layer == L else "relu"
        dA, grads[f"dW{layer}"], grads[f"db{layer}"] = linear_activation_backward(dA, caches[layer - 1], activation)
        grads[f"dA{layer - 1}"] = dA
    return grads'''), False, why="dAL without its minus sign"),
    Answer("04_deep_network", "linear_activation_forward", fn('''
def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "relu":
        A = relu(Z)
    elif activation == "sigmoid":
        A = sigmoid(Z)
    return A, (linear_cache, Z)'''), False, why="an unknown activation raises UnboundLocalError, not ValueError"),
    Answer("04_deep_network", "linear_forward", fn('''
def linear_forward(A_prev, W, b):
    return W @ A_prev, (A_prev, W, b)'''), False, why="b forgotten"),
    Answer("04_deep_network", "update_parameters", fn('''
def update_parameters(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for layer in range(1, L + 1):
        parameters["W" + str(layer)] -= learning_rate * grads["dW" + str(layer)]
        parameters["b" + str(layer)] -= learning_rate * grads["db" + str(layer)]
    return parameters'''), True),
    Answer("04_deep_network", "softplus_backward", fn('''
def softplus_backward(dA, Z):
    return dA * np.exp(Z)'''), False, why="the inner function's derivative alone: the chain rule's outer factor lost"),
    Answer("04_deep_network", "softplus_backward", fn('''
def softplus_backward(dA, Z):
    return np.exp(Z) / (1 + np.exp(Z))'''), False, why="the derivative of softplus without dA"),
    Answer("04_deep_network", "softplus_backward", fn('''
def softplus_backward(dA, Z):
    e = np.exp(Z)
    return dA * e / (1 + e)'''), True),
    Answer("04_deep_network", "linear_forward", fn('''
def linear_forward(A_prev, W, b):
    Z = np.dot(W, A_prev) + b
    cache = (A_prev, W, b)
    return Z, cache'''), True),
    Answer("04_deep_network", "predicted_gradient_shapes",
           'predicted_gradient_shapes = {"dW2": (7, 4), "db2": (4, 1), "dA1": (7, 32), "dA0": (12, 32)}\n', False,
           visible=False, why="dW2 transposed (the row convention's shape); only the hidden tests know the key"),
    Answer("04_deep_network", "predicted_gradient_shapes", fn('''
n, m = [12, 7, 4, 1], 32
predicted_gradient_shapes = {"dW2": (n[2], n[1]), "db2": (n[2], 1), "dA1": (n[1], m), "dA0": (n[0], m)}'''), True),
    Answer("04_deep_network", "predicted_gradient_shapes",
           'predicted_gradient_shapes = {"dW2": np.array([4, 7]), "db2": [4.0, 1.0], "dA1": (7, 32), '
           '"dA0": (12.0, 32)}\n', True),
    Answer("04_deep_network", "L_layer_model",
           mutant("04_deep_network", "L_layer_model", ("parameters = update_parameters(", "update_parameters(")),
           False, why="the updated parameters are dropped (the course's update_parameters copies): it never "
                      "learns; search_hyperparameters must not pay for it"),
    Answer("04_deep_network", "split_train_validation", fn('''
def split_train_validation(X, Y, validation_size, seed=None):
    m = X.shape[1]
    if not 1 <= validation_size <= m - 1:
        raise ValueError("validation_size must be between 1 and m - 1")
    return X[:, validation_size:], Y[:, validation_size:], X[:, :validation_size], Y[:, :validation_size]'''), False,
           why="no shuffle: the first columns are the validation set"),
    Answer("04_deep_network", "split_train_validation", fn('''
def split_train_validation(X, Y, validation_size, seed=None):
    m = X.shape[1]
    if not 1 <= validation_size <= m - 1:
        raise ValueError("validation_size must be between 1 and m - 1")
    rng = np.random.default_rng(seed)
    X_order, Y_order = rng.permutation(m), rng.permutation(m)
    return (X[:, X_order[validation_size:]], Y[:, Y_order[validation_size:]],
            X[:, X_order[:validation_size]], Y[:, Y_order[:validation_size]])'''), False,
           why="X and Y shuffled with different permutations: labels leave their images"),
    Answer("04_deep_network", "split_train_validation", fn('''
def split_train_validation(X, Y, validation_size, seed=None):
    m = X.shape[1]
    if validation_size < 1 or validation_size >= m:
        raise ValueError(f"validation_size {validation_size} leaves a part empty (m = {m})")
    rng = np.random.default_rng(seed)
    in_validation = np.zeros(m, dtype=bool)
    in_validation[rng.choice(m, size=validation_size, replace=False)] = True
    return X[:, ~in_validation], Y[:, ~in_validation], X[:, in_validation], Y[:, in_validation]'''), True),
    Answer("04_deep_network", "search_hyperparameters",
           mutant("04_deep_network", "search_hyperparameters", ("L_model_forward(X_val", "L_model_forward(X_train"),
                  ("== Y_val", "== Y_train")), False, why="measures every network on the training set"),
    Answer("04_deep_network", "search_hyperparameters", fn('''
def search_hyperparameters(X_train, Y_train, X_val, Y_val, learning_rates, hidden_sizes, num_iterations=200, seed=1):
    results, on_training = {}, {}
    for learning_rate in learning_rates:
        for n1 in hidden_sizes:
            parameters, _ = L_layer_model(X_train, Y_train, [X_train.shape[0], n1, 1], learning_rate=learning_rate,
                                          num_iterations=num_iterations, seed=seed)
            results[(learning_rate, n1)] = float(np.mean((L_model_forward(X_val, parameters)[0] > 0.5) == Y_val))
            on_training[(learning_rate, n1)] = float(np.mean((L_model_forward(X_train, parameters)[0] > 0.5)
                                                             == Y_train))
    return max(on_training, key=on_training.get), results'''), False,
           why="validation accuracies recorded, but best chosen by training accuracy"),
    Answer("04_deep_network", "search_hyperparameters",
           mutant("04_deep_network", "search_hyperparameters", ("max(results", "min(results")), False,
           why="argmin: the worst setting as best"),
    Answer("04_deep_network", "search_hyperparameters",
           mutant("04_deep_network", "search_hyperparameters",
                  ("results[(learning_rate, n1)]", "results[(n1, learning_rate)]")), False,
           why="keys (hidden_size, learning_rate), swapped"),
    Answer("04_deep_network", "search_hyperparameters", fn('''
import itertools


def search_hyperparameters(X_train, Y_train, X_val, Y_val, learning_rates, hidden_sizes, num_iterations=200, seed=1):
    results = {}
    n0 = X_train.shape[0]
    for alpha, n1 in itertools.product(learning_rates, hidden_sizes):
        trained, _ = L_layer_model(X=X_train, Y=Y_train, layer_dims=(n0, n1, 1), learning_rate=alpha,
                                   num_iterations=num_iterations, print_cost=False, seed=seed)
        predictions = np.round(L_model_forward(X=X_val, parameters=trained)[0])
        results[(alpha, n1)] = float(np.sum(predictions == Y_val) / Y_val.shape[1])
    best = sorted(results.items(), key=lambda item: item[1])[-1][0]
    return best, results'''), True),
    # 05_mnist
    Answer("05_mnist", "predict", fn('''
def predict(network, X):
    A1 = sigmoid(network["W1"] @ X + network["b1"])
    A2 = sigmoid(network["W2"] @ A1 + network["b2"])
    return sigmoid(network["W3"] @ A2 + network["b3"])'''), False, why="sigmoid for the output layer"),
    Answer("05_mnist", "accuracy", fn('''
def accuracy(network, X, t, batch_size=None):
    m = X.shape[1]
    step = 1 if batch_size is None else batch_size
    correct = 0
    for start in range(0, m - step + 1, step):
        Y = predict(network, X[:, start : start + step])
        correct += int(np.sum(np.argmax(Y, axis=0) == t[start : start + step]))
    return correct / m'''), False, why="drops the last, shorter batch"),
    Answer("05_mnist", "accuracy", fn('''
def accuracy(network, X, t, batch_size=None):
    Y = predict(network, X)
    return float(np.mean(np.argmax(Y, axis=1)[: len(t)] == t))'''), False, why="argmax over the wrong axis"),
    Answer("05_mnist", "confusion_matrix", fn('''
def confusion_matrix(t, y, num_classes=10):
    C = np.zeros((num_classes, num_classes))
    np.add.at(C, (t, y), 1)
    return C'''), False, why="floats, not integer counts"),
    Answer("05_mnist", "predict", fn('''
def predict(network, X):
    A1 = sigmoid(network["W1"] @ X + network["b1"])
    A2 = sigmoid(network["W2"] @ A1 + network["b2"])
    E = np.exp(network["W3"] @ A2 + network["b3"])
    return E / E.sum(axis=0, keepdims=True)'''), False, why="softmax without subtracting the maximum: overflows"),
    Answer("05_mnist", "confusion_matrix", fn('''
def confusion_matrix(t, y, num_classes=10):
    C = np.zeros((num_classes, num_classes), dtype=int)
    for true, predicted in zip(t, y):
        C[true, predicted] += 1
    return C'''), True),
    Answer("05_mnist", "predict", fn('''
def predict(network, X):
    A = X
    for layer in (1, 2):
        A = sigmoid(np.dot(network["W" + str(layer)], A) + network["b" + str(layer)])
    Z = np.dot(network["W3"], A) + network["b3"]
    Z = Z - Z.max(axis=0)
    return np.exp(Z) / np.exp(Z).sum(axis=0)'''), True),
    Answer("05_mnist", "predicted_multiplications",
           "multiplications_one_image = 45200\nmultiplications_per_image_batch_100 = 4520000\n", False, visible=False,
           why="the batch's total, not divided by the 100 images"),
    Answer("05_mnist", "predicted_multiplications",
           "multiplications_one_image = 784 + 50 + 100 + 10\nmultiplications_per_image_batch_100 = 944 / 100\n",
           False, visible=False, why="units counted instead of weights, and a batch taken to share them"),
    Answer("05_mnist", "predicted_multiplications",
           'multiplications_one_image = "45,200"\nmultiplications_per_image_batch_100 = 45200\n', False,
           why="a string, not a number"),
    Answer("05_mnist", "predicted_multiplications",
           "multiplications_one_image = 45_200\nmultiplications_per_image_batch_100 = 4_520_000 / 100\n", True),
    # 06_quizzes: the key never shows in Validate, so only malformed answers fail it
    Answer("06_quizzes", "quiz1_answers", "quiz1_answers = {1, 2, 3, 4, 5, 6, 7}\n", False, visible=False,
           why="every option chosen"),
    Answer("06_quizzes", "quiz1_answers", "quiz1_answers = {1, 2, 4}\n", False, visible=False, why="one left out"),
    Answer("06_quizzes", "quiz2_answers", "quiz2_answers = {1, 3, 6, 7, 10, 11, 12}\n", False, visible=False,
           why="one wrong statement added"),
    Answer("06_quizzes", "quiz2_answers", "quiz2_answers = set()\n", False, why="nothing chosen"),
    Answer("06_quizzes", "quiz1_answers", "quiz1_answers = [1, 2, 4, 6]\n", False, why="a list, not a set"),
    Answer("06_quizzes", "quiz1_answers", "quiz1_answers = {6, 4, 2, 1}\n", True),
]


def student(index: int, answer: Answer) -> str:
    return f"wa-{index:02d}-{answer.assignment[:2]}"


# Whole submissions, as tools.submissions makes them for the demo and the class simulation.
WHOLE_KINDS = ("perfect", "untouched", "one_wrong", "other_style")
ASSIGNMENTS = assignments()


def whole_student(kind: str, assignment: str) -> str:
    return f"wk-{kind.replace('_', '-')}-{assignment[:2]}"


@pytest.fixture(scope="module")
def graded(generated_course):
    """Every row and every whole submission handed in as one student, graded as one class per assignment."""
    course = generated_course
    made = {}
    for assignment in ASSIGNMENTS:
        for kind in WHOLE_KINDS:
            folder = make_submission(course, assignment, whole_student(kind, assignment), kind)
            made[(kind, assignment)] = next(folder.glob("*.ipynb"))
    for index, answer in enumerate(ANSWERS):
        release = next((course / "release" / answer.assignment).glob("*.ipynb"))
        solutions = solution_sources(course / "source" / answer.assignment / release.name)
        assert answer.cell in solutions, f"{answer.assignment} has no solution cell {answer.cell}"
        folder = course / "submitted" / student(index, answer) / answer.assignment
        folder.mkdir(parents=True)
        nb = fill_solutions(nbformat.read(release, as_version=4), solutions, {answer.cell: answer.source})
        nbformat.write(nb, folder / release.name)
        (folder / "timestamp.txt").write_text("2026-01-01 12:00:00.000000 UTC\n")
        made[index] = folder / release.name
    for name in assignments(course):
        grade_class(course, name, jobs=2, feedback=False)
    return course, made, cell_scores(course)


def validate(path: Path) -> set[str]:
    """The grade ids of the cells that Validate reports as failing (nbgrader's Validator, as the button runs it)."""
    from nbgrader.validator import Validator

    results = Validator().validate(str(path))
    assert not results.get("changed") and not results.get("type_changed"), results
    by_source = {cell.source.strip(): nbgrader_meta(cell).get("grade_id")
                 for cell in nbformat.read(path, as_version=4).cells}
    return {by_source.get(failure["source"], failure["source"][:60]) for failure in results.get("failed", [])}


def test_the_table_covers_every_assignment():
    for name in assignments():
        rows = [a for a in ANSWERS if a.assignment == name]
        assert sum(not a.correct for a in rows) >= 5, f"{name} needs at least 5 typical wrong answers"
        assert any(a.correct for a in rows), f"{name} needs a correct answer in another style"


@pytest.mark.parametrize("index", range(len(ANSWERS)),
                         ids=[f"{a.assignment[:2]}-{a.cell}-{'right' if a.correct else 'wrong'}-{i}"
                              for i, a in enumerate(ANSWERS)])
def test_answer_gets_the_verdict_it_deserves(graded, index):
    course, made, scores = graded
    answer = ANSWERS[index]
    mine = {cell: (score, top) for (s, a, cell), (score, top, _) in scores.items()
            if s == student(index, answer) and a == answer.assignment}
    assert mine, f"{student(index, answer)} was not graded"
    lost = {cell for cell, (score, top) in mine.items() if score < top - 1e-9}
    failing = validate(made[index]) - {None}
    if answer.correct:
        assert not lost, f"a correct answer lost points on {sorted(lost)}"
        assert not failing, f"Validate failed a correct answer on {sorted(failing)}"
    else:
        assert lost == {f"test_{answer.cell}"}, f"{answer.why}: lost points on {sorted(lost)}"
        expected = {f"test_{answer.cell}"} if answer.visible else set()
        assert failing == expected, f"{answer.why}: Validate reported {sorted(failing)}, expected {sorted(expected)}"


@pytest.mark.parametrize("kind", WHOLE_KINDS)
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_validate_and_grading_agree_cell_by_cell(graded, assignment, kind):
    """Validate fails a cell exactly when grading takes points from it, unless only hidden tests can see why."""
    course, made, scores = graded
    student = whole_student(kind, assignment)
    mine = {cell: (score, top) for (s, a, cell), (score, top, _) in scores.items() if s == student and a == assignment}
    assert mine, f"{student} was not graded"
    lost = {cell for cell, (score, top) in mine.items() if score < top - 1e-9}
    failing = validate(made[(kind, assignment)]) & set(mine)  # the autograded cells (not the written answers)
    if kind in ("perfect", "other_style"):
        assert not lost and not failing, f"{kind}: lost points on {sorted(lost)}, Validate failed {sorted(failing)}"
    elif kind == "untouched":
        assert lost == failing == set(mine), f"untouched: lost {sorted(lost)}, Validate failed {sorted(failing)}"
    else:
        assert lost == {f"test_{PLANTED_MISTAKES[assignment].cell}"}, f"the planted mistake lost {sorted(lost)}"
        hidden_only = assignment == "06_quizzes"  # the quizzes' key is never in Validate
        assert failing == (set() if hidden_only else lost), (
            f"planted mistake: Validate failed {sorted(failing)}, grading took points from {sorted(lost)}")
