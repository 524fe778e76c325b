package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@TaskRouter(tasks = {"a", "b"}) interface RouterNoAdapter {}
