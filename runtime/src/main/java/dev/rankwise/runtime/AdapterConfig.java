package dev.rankwise.runtime;

/**
 * The validated settings of one kind of adapter, as a declaration gives them. Each kind knows how to
 * build its layer around a frozen linear layer.
 */
public interface AdapterConfig {

  /** The kind's name as written in {@code adapter_config.json}, such as {@code "LORA"}. */
  String kind();

  /** Trainable parameters this adapter adds to one linear layer of shape (out, in). */
  long trainableParameters(long in, long out);
}
