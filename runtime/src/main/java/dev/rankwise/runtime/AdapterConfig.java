package dev.rankwise.runtime;

import java.util.Optional;

/**
 * The validated settings of one kind of adapter, as a declaration gives them. The {@link
 * AdapterKind} that reads the config's type builds its layer.
 */
public interface AdapterConfig {

  /** The name of the config's kind as written in {@code adapter_config.json}, such as {@code "LORA"}. */
  default String kind() {
    return AdapterKind.of(this).name();
  }

  /** Trainable parameters this adapter adds to one linear layer of shape (out, in). */
  long trainableParameters(long in, long out);

  /**
   * This adapter as Hugging Face PEFT's {@code LoraConfig} states it, when it is plain LoRA that
   * PEFT reads and writes with the same keys; empty for every other adapter.
   */
  default Optional<PeftLora> peftLora() {
    return Optional.empty();
  }

  /**
   * The values of a PEFT LoRA config.
   *
   * @param r the rank
   * @param loraAlpha the scaling numerator, never 0 (the default is written out)
   * @param dropout the input dropout
   * @param rsLora whether the scaling is rank-stabilised
   */
  record PeftLora(int r, double loraAlpha, double dropout, boolean rsLora) {}
}
