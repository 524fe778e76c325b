package test;

import dev.rankwise.annotations.Lora;

/** The paper's asymmetric decomposition. */
@Lora(rankA = 4, rankB = 12, dropout = 0.1, rsLora = true, targets = {"**.query", "**.value"})
interface AsymmetricRanks {}
