using System.Linq;
using Xunit;

namespace UNetDsl.Training.Tests.Numerics;

public class EvaluationAccumulatorTests
{
    // Two 4x4 images, 3 classes, worked out by hand. Pixel (row, column).
    //
    // Image A, nothing ignored:
    //   truth        prediction
    //   0 0 1 1      0 1 1 1
    //   0 0 1 1      0 0 1 1
    //   2 2 0 0      2 2 2 0
    //   2 2 0 0      0 2 0 0
    // Sizes truth/prediction: class 0 8/7, class 1 4/5, class 2 4/4. Both 0: 6 of the truth's 8 ((0,1) went to 1,
    // (2,2) to 2); both 1: 4; both 2: 3 ((3,0) went to 0). Right 13 of 16: pixel error 3/16.
    //   class 0: Dice 2*6/(8+7) = 4/5,  IoU 6/(8+7-6) = 2/3
    //   class 1: Dice 2*4/(4+5) = 8/9,  IoU 4/(4+5-4) = 4/5
    //   class 2: Dice 2*3/(4+4) = 3/4,  IoU 3/(4+4-3) = 3/5
    //
    // Image B, 9 = unlabelled (4 pixels); class 2 is predicted only on an unlabelled pixel:
    //   truth        prediction
    //   1 1 0 0      1 1 1 0
    //   1 1 0 9      0 1 0 1
    //   0 0 0 9      0 0 0 1
    //   9 9 0 0      1 2 0 0
    // Over the 12 labelled pixels: truth class 0 8, class 1 4, class 2 0; prediction class 0 8 ((0,3), (1,0), (1,2),
    // (2,0..2), (3,2), (3,3)), class 1 4 ((0,0..2), (1,1)), class 2 0. Both 0: 7 ((0,2) went to 1); both 1: 3 ((1,0)
    // went to 0). Right 10 of 12: pixel error 1/6.
    //   class 0: Dice 2*7/(8+8) = 7/8,  IoU 7/(8+8-7) = 7/9
    //   class 1: Dice 2*3/(4+4) = 3/4,  IoU 3/(4+4-3) = 3/5
    //   class 2: in neither truth nor prediction once the unlabelled pixels are out: not scored.
    // (Were the unlabelled pixels counted, class 2 would score Dice 0 here and class 1 would have 6 predicted pixels.)
    private static readonly int[] TruthA = { 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 0, 0, 2, 2, 0, 0 };
    private static readonly int[] PredictedA = { 0, 1, 1, 1, 0, 0, 1, 1, 2, 2, 2, 0, 0, 2, 0, 0 };
    private static readonly int[] TruthB = { 1, 1, 0, 0, 1, 1, 0, 9, 0, 0, 0, 9, 9, 9, 0, 0 };
    private static readonly int[] PredictedB = { 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 2, 0, 0 };

    [Fact]
    public void Two_images_with_three_classes_and_unlabelled_pixels_by_hand()
    {
        var tally = new EvaluationAccumulator(3);
        tally.Add(PredictedA, TruthA, 4, 4);
        tally.Add(PredictedB, TruthB, 4, 4, ignore: 9);

        var report = tally.Report();

        Assert.Equal(2, report.Images);
        Assert.Equal(3, report.Classes);

        // Per class: means over the images that scored it.
        Assert.Equal(new[] { 0, 1, 2 }, report.PerClass.Select(c => c.Class));
        Assert.Equal(new[] { 2, 2, 1 }, report.PerClass.Select(c => c.Images));
        Assert.Equal((4.0 / 5 + 7.0 / 8) / 2, report.PerClass[0].Dice, 12); // 0.8375
        Assert.Equal((2.0 / 3 + 7.0 / 9) / 2, report.PerClass[0].IoU, 12); // 13/18
        Assert.Equal((8.0 / 9 + 3.0 / 4) / 2, report.PerClass[1].Dice, 12); // 59/72
        Assert.Equal((4.0 / 5 + 3.0 / 5) / 2, report.PerClass[1].IoU, 12); // 0.7
        Assert.Equal(3.0 / 4, report.PerClass[2].Dice, 12); // image A only
        Assert.Equal(3.0 / 5, report.PerClass[2].IoU, 12);

        // Means over the foreground classes 1 and 2: (59/72 + 54/72) / 2 = 113/144; (0.7 + 0.6) / 2 = 0.65.
        Assert.Equal(113.0 / 144, report.MeanForegroundDice, 12);
        Assert.Equal(0.65, report.MeanForegroundIoU, 12);

        // Pixel error: mean over the images of wrong / labelled pixels, (3/16 + 1/6) / 2 = 17/96.
        Assert.Equal(17.0 / 96, report.PixelError, 12);

        // Rand errors over the 4-connected components of the foreground (class > 0, unlabelled pixels not in the truth's).
        // A: true cells T1 = the 1s (4 pixels), T2 = the 2s (4). Predicted foreground is one component P through (2,2)
        //    (9 pixels); (3,0) is predicted background. Over the truth's 8 pixels: T1 n P 4, T2 n P 3, one singleton.
        //    ISBI: sum p_ij^2 ~ 16 + 9 + 1 = 26, truth 16 + 16 = 32, prediction 7^2 + 1 = 50: split 13/16, merge 13/25,
        //    F = 2 (13/16)(13/25) / (13/16 + 13/25) = 26/41, error 15/41.
        //    Adapted (background one segment): pairs in both (16-4) + (9-3) + (1-1) = 18, truth (16-4) * 2 = 24,
        //    prediction (49-7) + (1-1) = 42: F = 18 / (42/2 + 24/2) = 6/11, error 5/11.
        // B: one true cell T (the 1s). Predicted components: {(0,0), (0,1), (0,2), (1,1)}, {(1,3), (2,3)}, {(3,0), (3,1)};
        //    the last two lie on unlabelled pixels and do not count. Over T: 3 in the first, (1,0) predicted background.
        //    ISBI: 9 + 1 = 10, truth 16, prediction 9 + 1 = 10: split 5/8, merge 1, F = 10/13, error 3/13.
        //    Adapted: both 6 + 0 = 6, truth 12, prediction 6 + 0 = 6: F = 6 / (3 + 6) = 2/3, error 1/3.
        Assert.Equal((15.0 / 41 + 3.0 / 13) / 2, report.RandError, 12); // 159/533
        Assert.Equal((5.0 / 11 + 1.0 / 3) / 2, report.AdaptedRandError, 12); // 13/33
    }

    [Fact]
    public void Unlabelled_pixels_change_nothing_whatever_their_predicted_class()
    {
        // Image B again, with other predictions on its 4 unlabelled pixels: every figure stays. (They still take part in
        // the predicted segments' connectivity: a predicted bridge across them would join two predicted segments, as
        // the prediction does; none of these joins anything over the truth's cell.)
        var other = (int[])PredictedB.Clone();
        other[7] = 0;
        other[11] = 2;
        other[12] = 0;
        other[13] = 0;

        var reports = new[] { PredictedB, other }.Select(predicted =>
        {
            var tally = new EvaluationAccumulator(3);
            tally.Add(predicted, TruthB, 4, 4, ignore: 9);
            return tally.Report();
        }).ToList();

        Assert.Equal(reports[0].PerClass, reports[1].PerClass);
        Assert.Equal(reports[0].PixelError, reports[1].PixelError);
        Assert.Equal(reports[0].RandError, reports[1].RandError);
        Assert.Equal(reports[0].AdaptedRandError, reports[1].AdaptedRandError);
        Assert.Equal(0, reports[0].PerClass[2].Images);
        Assert.True(double.IsNaN(reports[0].PerClass[2].Dice));
        Assert.True(double.IsNaN(reports[0].PerClass[2].IoU));
    }
}
