namespace NetMobility.Testbed.Tcp;

/// <summary>
/// The retransmission timeout of RFC 6298: SRTT and RTTVAR from samples (sec 2.2, 2.3), RTO = SRTT + 4 RTTVAR
/// held between the minimum and maximum (sec 2.4, 2.5; Linux's minimum is 200 ms), doubled on each expiry (sec 5.5).
/// Karn's rule (sec 3) is the caller's: samples come only from segments never retransmitted.
/// </summary>
internal sealed class RttEstimator(TcpEndpointOptions options)
{
    private TimeSpan _srtt;
    private TimeSpan _rttvar;
    private bool _hasSample;

    /// <summary>The timeout the next arming of the retransmission timer uses.</summary>
    public TimeSpan Rto { get; private set; } = options.InitialRto;

    public TimeSpan SmoothedRtt => _srtt;
    public TimeSpan RttVariation => _rttvar;

    public void AddSample(TimeSpan rtt)
    {
        if (!_hasSample)
        {
            _srtt = rtt;
            _rttvar = rtt / 2;
            _hasSample = true;
        }
        else
        {
            var delta = _srtt - rtt;
            _rttvar = (_rttvar * 3 + delta.Duration()) / 4;
            _srtt = (_srtt * 7 + rtt) / 8;
        }
        // G, the clock granularity, is a tick of the loop's clock: smaller than any 4 RTTVAR that matters.
        Rto = Clamp(_srtt + _rttvar * 4);
    }

    /// <summary>RFC 6298 sec 5.5: the timer expired, so the next timeout is twice as long (up to the maximum).</summary>
    public void BackOff() => Rto = Clamp(Rto * 2);

    private TimeSpan Clamp(TimeSpan rto) =>
        rto < options.MinRto ? options.MinRto : rto > options.MaxRto ? options.MaxRto : rto;
}
