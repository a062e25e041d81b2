/* Roofline arithmetic, kept pure so tests/bench can check it without timing anything. */
#include "sgb.h"

double sgb_roofline_seconds(double flops, double bytes, double peak_flops, double bandwidth)
{
    double t_flops = (flops > 0 && peak_flops > 0) ? flops / peak_flops : 0.0;
    double t_bytes = (bytes > 0 && bandwidth > 0) ? bytes / bandwidth : 0.0;
    return t_flops > t_bytes ? t_flops : t_bytes;
}

double sgb_roofline_fraction(double flops, double bytes, double peak_flops, double bandwidth, double seconds)
{
    if (!(seconds > 0))
        return 0.0;
    return sgb_roofline_seconds(flops, bytes, peak_flops, bandwidth) / seconds;
}

double sgb_roofline_rate(double flops, double bytes, double peak_flops, double bandwidth)
{
    if (!(flops > 0))
        return bandwidth;
    if (!(bytes > 0))
        return peak_flops;
    double by_bw = flops / bytes * bandwidth;
    return by_bw < peak_flops ? by_bw : peak_flops;
}
