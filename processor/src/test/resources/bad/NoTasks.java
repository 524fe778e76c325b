package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@TaskRouter(tasks = {}) @Lora(rankA = 2, rankB = 2, targets = "x") interface NoTasks {}
