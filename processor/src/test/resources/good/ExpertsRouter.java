package test;

import dev.rankwise.annotations.RankExperts;
import dev.rankwise.annotations.TaskRouter;

/** Rank experts chosen per task, adaptive, with the contrastive loss. */
@RankExperts(count = 8, topK = 4, targets = "encoder.layer.*.attention.self.*")
@TaskRouter(tasks = {"spam", "sentiment", "grain"}, adaptive = true, contrastive = 0.1)
interface ExpertsRouter {}
