package dev.rankwise.annotations;

/**
 * The middle factor {@code T} of a decomposed LoRA update {@code ΔW = s · B' T A'}.
 *
 * @see Lora#mixer()
 */
public enum Mixer {
  /**
   * {@code T} is a learned {@code rankB × rankA} matrix, initialised orthogonal. With {@code rankA ==
   * rankB} this is MoSLoRA's mixer; with {@code rankA != rankB} it is the asymmetric decomposition
   * of Zhang et al. (2025).
   */
  LEARNED,

  /**
   * {@code T} is fixed to the identity and not trained, so the update is plain LoRA {@code s · B A}
   * and its files use Hugging Face PEFT's key names. Requires {@code rankA == rankB}.
   */
  IDENTITY
}
