package io.adbsync.stack.connect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One more Connect worker joining a running local cluster, in a process of its own so that fault tests and the memory
 * benchmark can kill or bound a worker outright: {@code bin/adbsync worker} runs it in this JVM, {@link #start} as a
 * child process.
 */
public final class LoneWorker {

    /** What the worker prints, followed by its REST URL, once it has joined. */
    public static final String READY = "WORKER READY ";
    private static final String DEFAULT_GROUP = "adbsync-connect";

    /** A worker in a child process and the client of its REST API. */
    public record Started(Process process, ConnectRestClient rest) {
    }

    private LoneWorker() {
    }

    /** Starts the worker in this JVM, prints {@link #READY} and its URL, and runs until the process ends. */
    public static void run(String bootstrapServers, Path pluginPath, String groupId, int restPort) throws InterruptedException {
        Map<String, String> props = LocalConnect.defaultWorkerProps(bootstrapServers, pluginPath, groupId, restPort);
        // These workers are there to be killed: a sink task's consumer on a killed worker holds its partitions until
        // the group drops it, 45 s by default; the broker allows down to 6 s.
        props.put("consumer.session.timeout.ms", "10000");
        props.put("consumer.heartbeat.interval.ms", "3000");
        LocalConnect worker = LocalConnect.start(props);
        System.out.println(READY + worker.url());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /** The system property naming the log file of the tests' log configuration (config/log4j2-test.xml). */
    private static final String TEST_LOG = "adbsync.test.log";
    /** Children started by this JVM, numbering their test logs. */
    private static final AtomicInteger CHILDREN = new AtomicInteger();

    /**
     * The command line of a child process running a worker of {@code groupId} on this JVM's class path, with
     * {@code jvmOptions} (a heap limit, GC logging) before the class.
     */
    public static List<String> command(String bootstrapServers, Path pluginPath, String groupId, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""));
        String testLog = System.getProperty(TEST_LOG);
        if (testLog != null) {
            // A file of its own: the test log configuration truncates its file on opening, and the test JVM (or another
            // child) writes the one named for it.
            command.add("-D" + TEST_LOG + "=" + testLog.replaceFirst("(\\.log)?$", "-worker" + CHILDREN.incrementAndGet() + ".log"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LoneWorker.class.getName(),
                bootstrapServers, pluginPath.toString(), groupId));
        return command;
    }

    /** Starts a worker of the default group in a child process (512 MB heap) and waits until it says it is ready. */
    public static Started start(String bootstrapServers, Path pluginPath) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command(bootstrapServers, pluginPath, DEFAULT_GROUP, List.of("-Xmx512m")))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith(READY)) {
                URI url = URI.create(line.substring(READY.length()));
                // The worker logs to its stdout; it must be drained or the worker blocks.
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "lone-worker-output");
                drain.setDaemon(true);
                drain.start();
                return new Started(process, new ConnectRestClient(url));
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("A worker process exited before it was ready: exit code " + process.waitFor());
    }

    /** Arguments: bootstrap servers, plugin path, and optionally the group id. */
    public static void main(String[] args) throws InterruptedException {
        run(args[0], Path.of(args[1]), args.length > 2 ? args[2] : DEFAULT_GROUP, 0);
    }
}
