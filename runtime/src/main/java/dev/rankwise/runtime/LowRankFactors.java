package dev.rankwise.runtime;

import ai.djl.ndarray.NDArray;

/**
 * A low-rank update as one plain LoRA, {@code ΔW = B · A}, its scale folded into {@code B}: what
 * Hugging Face PEFT's LoRA layer computes with {@code lora_alpha = r} (docs/DESIGN.md §3). Every
 * update a task's rows see in a layer with task routing has this form: a decomposed {@code s · B' T
 * A'} has rank {@code min(a, b)}, task-routed rank experts the rank of the task's chosen experts.
 *
 * @param a (rank, in): {@code lora_A}
 * @param b (out, rank): {@code lora_B}, scaled
 */
public record LowRankFactors(NDArray a, NDArray b) {

  /** Checks that the shapes chain: {@code b}'s columns are {@code a}'s rows. */
  public LowRankFactors {
    if (a.getShape().dimension() != 2 || b.getShape().dimension() != 2
        || a.getShape().get(0) != b.getShape().get(1)) {
      throw new IllegalArgumentException("factors of a low-rank update are A (rank, in) and B (out, rank), got A "
          + a.getShape() + " and B " + b.getShape());
    }
  }

  /** The rank: {@code a}'s rows. */
  public long rank() {
    return a.getShape().get(0);
  }
}
