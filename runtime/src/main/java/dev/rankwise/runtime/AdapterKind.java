package dev.rankwise.runtime;

import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One kind of adapter, registered as Hugging Face PEFT registers a method with {@code
 * register_peft_method}: it names the kind in adapter files and builds its layer from its config.
 * It also reads a saved layer's record back into a config, so an adapter folder rebuilds its
 * own declaration. What a layer does once built (forward, merge, file record, routing parameters)
 * is the {@link AdapterLayer}'s. The model, the files and the attach code see kinds only through these two
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
   * Rebuilds the config a layer of this kind was saved with from its record in {@code
   * adapter_config.json} (what its {@link AdapterLayer#fileRecord()} wrote), as PEFT rebuilds a
   * {@code LoraConfig} from its file. The rebuilt config builds a layer whose record equals the
   * saved one, so the load's check of each record against its attached layer holds.
   *
   * @param record the saved settings by name: strings, booleans and numbers
   * @param router the saved declaration's task routing, empty when it names no tasks
   * @throws IllegalArgumentException if a setting is missing or mistyped, or contradicts the routing
   */
  C readRecord(Map<String, Object> record, Optional<TaskRouterConfig> router);

  /**
   * The task routing a saved layer of this kind records, for kinds whose layers keep the router's
   * settings (rank experts routed by task): every such layer of one folder must record the same.
   * Empty by default.
   *
   * @param record the saved settings by name
   * @param tasks the tasks the folder names, in order
   */
  default Optional<TaskRouterConfig> readRouting(Map<String, Object> record, List<String> tasks) {
    return Optional.empty();
  }

  /** The registered kind named {@code name} in adapter files, empty if the class path has none. */
  static Optional<AdapterKind<?>> named(String name) {
    return AdapterKinds.named(name);
  }

  /** The names of the registered kinds, in class-path order. */
  static List<String> names() {
    return AdapterKinds.names();
  }

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
