package test;

import dev.rankwise.annotations.Lora;

/** A declarative configuration for a BERT-style encoder. */
@Lora(
    rankA = 8,
    rankB = 8,
    targets = {"encoder.layer.*.attention.self.query", "encoder.layer.*.attention.self.value"})
public interface InterfaceTargets {}
