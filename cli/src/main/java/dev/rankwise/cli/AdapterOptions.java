package dev.rankwise.cli;

import dev.rankwise.cli.job.Method;
import dev.rankwise.runtime.io.AdapterFiles;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Which saved adapters to load: a folder describes itself (declaration, labels, encoder), so
 * {@code --adapters} alone is enough; {@code --method} names the default folder and is checked
 * against the folder's declaration.
 */
final class AdapterOptions {

  @Option(names = "--method", paramLabel = "ID",
      description = "The method the adapters were trained with: their folder is --out/adapters/<ID> unless"
          + " --adapters says otherwise, and must hold that method's declaration.")
  String method;

  @Option(names = "--adapters", paramLabel = "DIR",
      description = "Folder of adapter_model.safetensors and adapter_config.json (default: --out/adapters/<method>).")
  Path adapters;

  /**
   * The adapter folder, checked to hold {@code --method}'s declaration when both are given.
   *
   * @throws IllegalArgumentException if neither option is given, or the folder holds another method
   * @throws IOException if the folder's config is missing or malformed
   */
  Path folder(CommonOptions common) throws IOException {
    if (method == null && adapters == null) {
      throw new IllegalArgumentException("give the adapters: --adapters DIR, or --method ID for --out/adapters/ID");
    }
    Path folder = adapters != null ? adapters : common.out.resolve("adapters").resolve(method().id());
    if (method != null) {
      String saved = AdapterFiles.readDeclaration(folder).declaringType();
      String declared = method().spec().declaringType();
      if (!saved.equals(declared)) {
        throw new IllegalArgumentException("the adapters in " + folder + " were trained with " + saved
            + ", not with --method " + method + " (" + declared + "); drop --method or give its folder");
      }
    }
    return folder;
  }

  /** What {@code eval} calls the adapters in its report: the method's label, else the folder. */
  String label(CommonOptions common) throws IOException {
    return (method != null ? method().label() + " from " : "adapters in ") + folder(common);
  }

  private Method method() {
    return Method.byId(method);
  }
}
