package dev.rankwise.samples.quickstart;

import dev.rankwise.annotations.Lora;

/**
 * A declarative configuration: adapters for any model whose linear layers sit under {@code
 * encoder} and at {@code head}, matched by block path when attached. The processor generates
 * {@code ShiftAdapters_Adapter}.
 */
@Lora(rankA = 2, rankB = 6, alpha = 4, targets = {"encoder.*", "head"})
public interface ShiftAdapters {}
