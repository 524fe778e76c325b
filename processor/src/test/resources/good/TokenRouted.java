package test;

import dev.rankwise.annotations.RankExperts;

/** Rank experts chosen per token, without a task router. */
@RankExperts(count = 16, topK = 2, balance = 0.05, targets = "**.dense")
interface TokenRouted {}
