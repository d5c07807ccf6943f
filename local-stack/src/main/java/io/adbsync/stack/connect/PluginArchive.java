package io.adbsync.stack.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Finds the packaged plugin zip and unpacks it into a plugin.path directory, as a user would. */
public final class PluginArchive {

    /** System property that names the zip explicitly (the build sets it for integration tests). */
    public static final String ZIP_PROPERTY = "adbsync.plugin.zip";
    /** System property that names the Avro converter's zip explicitly. */
    public static final String AVRO_CONVERTER_ZIP_PROPERTY = "adbsync.avro.converter.zip";

    private PluginArchive() {
    }

    /** The zip from {@value #ZIP_PROPERTY}, else the newest {@code connect-plugin/target/adbsync-connect-plugin-*.zip} above the working directory. */
    public static Path locate() {
        return locate(ZIP_PROPERTY, "adbsync-connect-plugin-");
    }

    /**
     * The zip of Apicurio's Avro converter the build packs beside the plugin's: {@value #AVRO_CONVERTER_ZIP_PROPERTY},
     * else the newest {@code connect-plugin/target/adbsync-avro-converter-*.zip} above the working directory.
     */
    public static Path locateAvroConverter() {
        return locate(AVRO_CONVERTER_ZIP_PROPERTY, "adbsync-avro-converter-");
    }

    private static Path locate(String property, String prefix) {
        String explicit = System.getProperty(property);
        if (explicit != null && !explicit.isBlank()) {
            Path zip = Paths.get(explicit);
            if (!Files.isRegularFile(zip)) {
                throw new IllegalStateException(property + " names " + zip + ", which does not exist; run `mvn package` first");
            }
            return zip;
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Optional<Path> zip = newestZip(dir.resolve("connect-plugin").resolve("target"), prefix);
            if (zip.isPresent()) {
                return zip.get();
            }
        }
        throw new IllegalStateException("The archive connect-plugin/target/" + prefix + "*.zip was not found; "
                + "run `mvn -DskipTests package` from the repository root first");
    }

    private static Optional<Path> newestZip(Path target, String prefix) {
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".zip"))
                    .max(Comparator.comparingLong(p -> p.toFile().lastModified()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Unpacks {@code zip} under {@code pluginPath} and returns {@code pluginPath}, ready for the worker's plugin.path. */
    public static Path unpack(Path zip, Path pluginPath) {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            Files.createDirectories(pluginPath);
            Path root = pluginPath.toAbsolutePath().normalize();
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                Path target = root.resolve(entry.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IllegalStateException("Refusing zip entry outside the plugin directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    copy(in, target);
                }
            }
            return pluginPath;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack " + zip + " into " + pluginPath, e);
        }
    }

    private static void copy(InputStream in, Path target) throws IOException {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
}
