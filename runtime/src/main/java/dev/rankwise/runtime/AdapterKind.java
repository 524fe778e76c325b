package dev.rankwise.runtime;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Optional;

/**
 * One kind of adapter, registered as Hugging Face PEFT registers a method with {@code
 * register_peft_method}: it names the kind in adapter files and builds its layer from its config.
 * What a layer does once built (forward, merge, file record, routing parameters) is the {@link
 * AdapterLayer}'s. The model, the files and the attach code see kinds only through these two
 * interfaces, so a new kind lives in one package.
 *
 * <p>Kinds are found with {@link java.util.ServiceLoader}, as DJL finds its engines: a kind is a
 * public class with a public no-argument constructor, listed in {@code
 * META-INF/services/dev.rankwise.runtime.AdapterKind}.
 *
 * @param <C> the config type this kind reads
 */
public interface AdapterKind<C extends AdapterConfig> {

  /** The kind's name in {@code adapter_config.json}, such as {@code "LORA"}; unique among kinds. */
  String name();

  /** The config type this kind reads; no two kinds read the same type. */
  Class<C> configType();

  /**
   * Wraps an initialised linear layer in this kind's adapter, equal to {@code base} until it is
   * trained.
   *
   * @param base the layer to adapt; its weight (and bias) arrays become the adapter's, frozen
   * @param config the adapter's settings
   * @param router the declaration's task routing, empty without a {@code @TaskRouter}
   * @param seed seed of the adapter's random initialisation
   * @throws IllegalStateException if {@code base} has no weight array yet
   * @throws IllegalArgumentException if the config needs task routing and there is none
   */
  AdapterLayer wrap(Linear base, C config, Optional<TaskRouterConfig> router, long seed);

  /**
   * The registered kind that reads {@code config}.
   *
   * @throws IllegalArgumentException if no kind on the class path reads its type
   */
  static AdapterKind<?> of(AdapterConfig config) {
    return AdapterKinds.of(config);
  }

  /** Wraps {@code base} in the adapter {@code config} declares, through the kind that reads it. */
  static AdapterLayer create(
      Linear base, AdapterConfig config, Optional<TaskRouterConfig> router, long seed) {
    return AdapterKinds.create(of(config), base, config, router, seed);
  }
}
