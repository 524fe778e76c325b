package dev.rankwise.cli;

import dev.rankwise.cli.job.Method;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which trained method to load, and from where. */
final class AdapterOptions {

  @Option(names = "--method", required = true, paramLabel = "ID",
      description = "The method the adapters were trained with (its declaration).")
  String method;

  @Option(names = "--adapters", paramLabel = "DIR",
      description = "Folder of adapter_model.safetensors and adapter_config.json (default: --out/adapters/<method>).")
  Path adapters;

  /** The method. */
  Method method() {
    return Method.byId(method);
  }

  /** The adapter folder. */
  Path folder(CommonOptions common) {
    return adapters != null ? adapters : common.out.resolve("adapters").resolve(method().id());
  }
}
