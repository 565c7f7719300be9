// A shared library of the project's own for ship_suite: built beside it,
// installed nowhere, found through LD_LIBRARY_PATH on the supervisor only.
int ShipOwnLibraryAnswer() { return 42; }
