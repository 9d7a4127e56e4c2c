using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NetMobility.Configuration;

namespace NetMobility.Host;

/// <summary>
/// <c>netmob agent --config FILE</c>: checks the configuration (file, then <c>NETMOB_</c> environment variables, then
/// command-line <c>--key:path=value</c> overrides, as the .NET configuration system layers them), then runs the
/// daemon on the generic host until SIGTERM or SIGINT. Logging is configured by the file's <c>Logging</c> section
/// (and its overrides); lines go to the console, one per event, with the event id.
/// </summary>
public static class AgentHost
{
    /// <summary>The time the host gives the daemon to stop: deregister, close devices, flush captures.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(4);

    /// <summary>Checks and loads the configuration; a mistake is a <see cref="ConfigException"/> naming file, key path and reason.</summary>
    public static AgentConfig Check(string configPath, string[] overrideArgs) =>
        AgentConfig.Load(configPath, ConfigOverrides.Read(overrideArgs));

    /// <summary>Runs the daemon for a checked configuration until it is told to stop; returns the exit code.</summary>
    public static async Task<int> RunAsync(AgentConfig config, string[] overrideArgs)
    {
        var overrides = ConfigOverrides.Read(overrideArgs);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "netmob-agent" });
        builder.Configuration.AddJsonFile(Path.GetFullPath(config.Path), optional: false, reloadOnChange: false)
            .AddEnvironmentVariables(ConfigOverrides.EnvironmentPrefix)
            .AddCommandLine(overrideArgs);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton<IReadOnlyList<KeyValuePair<string, string?>>>(overrides);
        builder.Services.AddHostedService<AgentService>();
        using var host = builder.Build();
        await host.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
