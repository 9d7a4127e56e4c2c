using System.Net;
using NetMobility.Migration;
using NetMobility.Migration.Engine;
using NetMobility.Migration.Policies;
using NetMobility.Migration.Transports;
using NetMobility.Migration.Content;

namespace NetMobility.Tests.Migration.Engine;

/// <summary>Migrations over real loopback sockets, in real time, with a still guest.</summary>
public class NetworkTransportTests
{
    private const long Memory = 8L << 20;

    private static async Task<(NetMobility.Migration.Reports.MigrationReport, DestinationResult?, MemoryImage)> Migrate(TlsOptions? sourceTls, TlsOptions? destinationTls, int channels = 2)
    {
        var image = new MemoryImage(Memory);
        RealisticContent.Fill(image, 5, ContentProfile.Typical);
        await using var listener = new TcpChannelListener(new IPEndPoint(IPAddress.Loopback, 0), destinationTls);
        var destination = new MigrationDestination();
        // A bound on a hang, not a synchronisation.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(guard.Token);
        var receiving = destination.ReceiveAsync(listener, giveUp.Token);
        var source = new PreCopySource(image, new XenStreamV2Policy(), new NoWorkload(), TimeProvider.System,
            new SourceOptions { Channels = channels, TransportName = "tcp" });
        var report = await source.MigrateAsync(new TcpChannelConnector(listener.LocalEndPoint, sourceTls), guard.Token);
        if (!report.Completed) giveUp.Cancel();
        DestinationResult? result = null;
        try
        {
            result = await receiving;
        }
        catch (OperationCanceledException) when (!report.Completed)
        {
        }
        return (report, result, image);
    }

    [Fact]
    public async Task Tcp_loopback_migration_delivers_the_image()
    {
        var (report, result, image) = await Migrate(null, null);
        using (image)
        using (result?.Image)
        {
            Assert.True(report.Completed, report.Error);
            Assert.NotNull(result);
            Assert.True(result.Committed);
            Assert.Equal(Hex.Of(image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        }
    }

    [Fact]
    public async Task Tls_with_mutual_certificates_pinned_by_hash_delivers_the_image()
    {
        using var sourceCert = TlsOptions.CreateSelfSigned("source");
        using var destinationCert = TlsOptions.CreateSelfSigned("destination");
        var sourceTls = new TlsOptions { Certificate = sourceCert, PinnedPeerSha256 = TlsOptions.Sha256Of(destinationCert), TargetHost = "destination" };
        var destinationTls = new TlsOptions { Certificate = destinationCert, PinnedPeerSha256 = TlsOptions.Sha256Of(sourceCert) };
        var (report, result, image) = await Migrate(sourceTls, destinationTls);
        using (image)
        using (result?.Image)
        {
            Assert.True(report.Completed, report.Error);
            Assert.True(result!.Committed);
            Assert.Equal(Hex.Of(image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        }
    }

    [Fact]
    public async Task Tls_with_a_pre_shared_certificate_delivers_the_image()
    {
        using var shared = TlsOptions.CreateSelfSigned();
        var tls = TlsOptions.PreSharedKey(shared);
        var (report, result, image) = await Migrate(tls, tls, channels: 1);
        using (image)
        using (result?.Image)
        {
            Assert.True(report.Completed, report.Error);
            Assert.True(result!.Committed);
            Assert.Equal(Hex.Of(image.ComputeDigest()), Hex.Of(result.Image!.ComputeDigest()));
        }
    }

    [Fact]
    public async Task Tls_peer_without_the_pre_shared_certificate_is_refused_and_the_vm_stays()
    {
        using var shared = TlsOptions.CreateSelfSigned();
        using var stranger = TlsOptions.CreateSelfSigned();
        var sourceTls = new TlsOptions { Certificate = stranger, PinnedPeerSha256 = TlsOptions.Sha256Of(shared) };
        var (report, result, image) = await Migrate(sourceTls, TlsOptions.PreSharedKey(shared), channels: 1);
        using (image)
        {
            Assert.Equal(NetMobility.Migration.Reports.MigrationOutcome.RolledBack, report.Outcome);
            Assert.Null(result);
            Assert.Empty(report.Rounds);
        }
    }
}
