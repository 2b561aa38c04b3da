# writer: pasted after the right answer; tries to write outside the submission folder and to open a connection.

import os as _os
import socket as _socket
import sqlite3 as _sqlite3

# Filled in for each submission (tools.adversarial.build.payloads).
_ASSIGNMENT = ...
_STUDENT = ...
_NOTEBOOK = ...

_root = _os.path.abspath(_os.path.join(".", "..", "..", ".."))
_done = []


def _attempt(label, action):
    try:
        action()
        _done.append(label)
    except Exception as error:
        print(f"writer: {label} refused ({type(error).__name__})")


def _gradebook():
    db = _sqlite3.connect(_os.path.join(_root, "gradebook.db"), timeout=5)
    db.execute("UPDATE grade SET extra_credit = 100")
    db.commit()
    db.close()


def _other_student():
    for student in sorted(_os.listdir(_os.path.join(_root, "submitted"))):
        folder = _os.path.join(_root, "submitted", student, _ASSIGNMENT)
        if student != _STUDENT and _os.path.isdir(folder):
            with open(_os.path.join(folder, _NOTEBOOK), "w") as file:
                file.write("overwritten by another student")
            return
    raise FileNotFoundError("no other student")


def _source():
    with open(_os.path.join(_root, "source", _ASSIGNMENT, "planted.txt"), "w") as file:
        file.write("written by a student")


def _network():
    with _socket.create_connection(("1.1.1.1", 53), timeout=3):
        pass


def _outside_tmp():
    with open(_os.path.join(_root, "written-by-student.txt"), "w") as file:
        file.write("outside the submission folder")


_attempt("gradebook", _gradebook)
_attempt("other-student", _other_student)
_attempt("source", _source)
_attempt("network", _network)
_attempt("course-root", _outside_tmp)
print("writer: succeeded:", _done)
