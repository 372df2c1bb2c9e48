// Tests of the scenario reader live beside this file.
