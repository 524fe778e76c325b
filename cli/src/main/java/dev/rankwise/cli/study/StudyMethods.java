package dev.rankwise.cli.study;

import static dev.rankwise.cli.job.EncoderMethods.CORN;
import static dev.rankwise.cli.job.EncoderMethods.FINEFOOD;
import static dev.rankwise.cli.job.EncoderMethods.GRAIN;
import static dev.rankwise.cli.job.EncoderMethods.Q4;
import static dev.rankwise.cli.job.EncoderMethods.Q5;
import static dev.rankwise.cli.job.EncoderMethods.SPAM;
import static dev.rankwise.cli.job.EncoderMethods.V4;
import static dev.rankwise.cli.job.EncoderMethods.V5;

import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.annotations.RankExperts;
import dev.rankwise.annotations.TaskRouter;

/**
 * The study's declarations beyond the main job's, on the same layers. Claim 1 compares plain LoRA
 * r = 8 (6,144 parameters per layer) with the decomposed update at about the same size: a = b = 8
 * (6,208), a = 4, b = 12 and a = 12, b = 4 (6,192 each). The ablations vary the main job's rank
 * experts (nine experts, three per task) in one thing each: top-k, or a contrastive loss.
 */
public final class StudyMethods {

  private StudyMethods() {}

  /** Plain LoRA r = 8. */
  @Lora(rankA = 8, rankB = 8, mixer = Mixer.IDENTITY, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface Lora8 {}

  /** Decomposed, square: a = b = 8. */
  @Lora(rankA = 8, rankB = 8, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface Decomposed8x8 {}

  /** Decomposed, narrow input side: a = 4, b = 12 (update rank at most 4). */
  @Lora(rankA = 4, rankB = 12, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface Decomposed4x12 {}

  /** Decomposed, wide input side: a = 12, b = 4 (update rank at most 4). */
  @Lora(rankA = 12, rankB = 4, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface Decomposed12x4 {}

  /** Rank experts, one of nine per task. */
  @RankExperts(count = 9, topK = 1, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface ExpertsTop1 {}

  /** Rank experts, two of nine per task. */
  @RankExperts(count = 9, topK = 2, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface ExpertsTop2 {}

  /** Rank experts, five of nine per task. */
  @RankExperts(count = 9, topK = 5, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN})
  public interface ExpertsTop5 {}

  /** Rank experts, three of nine per task, with MoRE's contrastive loss (weight 0.1). */
  @RankExperts(count = 9, topK = 3, targets = {Q4, V4, Q5, V5})
  @TaskRouter(tasks = {SPAM, FINEFOOD, GRAIN, CORN}, contrastive = 0.1)
  public interface ExpertsContrastive {}
}
