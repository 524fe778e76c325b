package test;

import dev.rankwise.annotations.*;

// One error, on the next line.
@TaskRouter(tasks = {"spam", "Spam"}) @Lora(rankA = 2, rankB = 2, targets = "x") interface TaskCase {}
